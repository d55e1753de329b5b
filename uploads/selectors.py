"""Read-only queries for views and the local worker."""

from uploads.models import FINISHED, AudioFile, AudioFileQuerySet


def files_for(*, user_id: int) -> AudioFileQuerySet:
    """The user's files, newest first."""
    return AudioFile.objects.for_owner(user_id)


def file_for_owner(*, user_id: int, file_id: int) -> AudioFile | None:
    """The file if `user_id` owns it; another user's file and a missing one look the same."""
    return AudioFile.objects.for_owner(user_id).filter(pk=file_id).first()


def file_by_id(*, file_id: int) -> AudioFile | None:
    return AudioFile.objects.filter(pk=file_id).first()


def unfinished_count(*, user_id: int) -> int:
    """The user's files not yet done or failed (uploaded, queued or being transcoded)."""
    return AudioFile.objects.for_owner(user_id).exclude(status__in=FINISHED).count()
