"""The writers of AudioFile: uploads, job submission and job events.

Owners hear about their files only through notifications.services.notify, with one
collapse key per file, so a job shows as one toast that changes in place.
"""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from notifications.models import Level
from notifications.services import notify
from uploads.events import JobEvent, JobState
from uploads.models import AudioFile, Status
from uploads.storage import name_from_s3
from uploads.transcoders import TranscoderError, get_transcoder, output_name

logger = logging.getLogger(__name__)

MAX_ERROR = 500


def upload_file(*, owner: AbstractBaseUser, uploaded: UploadedFile, name: str = "") -> AudioFile:
    """Store an already validated upload and submit its job after commit."""
    with transaction.atomic():
        audio = AudioFile(owner=owner, name=(name or uploaded.name or "audio").strip()[:200])
        # Saved to storage here, inside the transaction: a failed insert leaves a file
        # behind, never a row without a file.
        audio.original.save(uploaded.name or "audio", uploaded, save=False)
        audio.save()
        transaction.on_commit(partial(submit_job, file_id=audio.pk), robust=True)
    return audio


def record_stored_file(*, owner: AbstractBaseUser, storage_name: str, name: str) -> AudioFile:
    """Record a file already in storage (a direct S3 upload) and submit its job after commit."""
    with transaction.atomic():
        existing = AudioFile.objects.filter(owner=owner, original=storage_name).first()
        if existing is not None:
            return existing  # "complete" sent twice
        audio = AudioFile.objects.create(
            owner=owner, name=name.strip()[:200] or "audio", original=storage_name
        )
        transaction.on_commit(partial(submit_job, file_id=audio.pk), robust=True)
    return audio


def submit_job(*, file_id: int) -> None:
    """Hand an uploaded file to TRANSCODER_BACKEND once; a failure marks the file failed."""
    backend = settings.TRANSCODER_BACKEND
    with transaction.atomic():
        # The row stays locked until the job id is saved: an event for the new job that
        # arrives meanwhile waits in apply_job_event instead of finding no job id.
        audio = AudioFile.objects.select_for_update().filter(pk=file_id).first()
        if audio is None or audio.status != Status.UPLOADED:
            return
        audio.transcoder = backend
        try:
            # A savepoint: if the backend refuses, the "queued" message and the backend's
            # own on_commit hooks roll back with it.
            with transaction.atomic():
                audio.status = Status.QUEUED
                # Told before submitting: the local backend starts its job on commit,
                # and its pushes must come after this one.
                _tell_owner(audio)
                audio.job_id = get_transcoder(backend).submit(audio)
                audio.save()
        except Exception as exc:
            if not isinstance(exc, TranscoderError):
                logger.exception("submitting file %s to %s failed", file_id, backend)
            reason = str(exc)[:MAX_ERROR] if isinstance(exc, TranscoderError) else ""
            audio.status, audio.finished_at = Status.FAILED, timezone.now()
            audio.job_id = None
            audio.error = reason or "the transcoding service is unavailable"
            audio.save()
            _tell_owner(audio)


def apply_job_event(event: JobEvent) -> bool:
    """Apply one backend outcome to its AudioFile; False if no file matches the event.

    Idempotent and order-tolerant: a repeated event changes nothing and notifies no one,
    progress never goes back, and a finished file (done or failed) never changes again.
    """
    with transaction.atomic():
        audio = _locked_file(event)
        if audio is None:
            logger.info("job event %s for job %r matches no file", event.state, event.job_id)
            return False
        changed = _transition(audio, event)
        if changed:
            audio.save(update_fields=[*changed, "updated_at"])
            _tell_owner(audio)
    return True


def _locked_file(event: JobEvent) -> AudioFile | None:
    files = AudioFile.objects.select_for_update()
    if event.file_id is not None:
        audio = files.filter(pk=event.file_id).first()
        if audio is not None and event.job_id and audio.job_id and audio.job_id != event.job_id:
            # User metadata names our file but another job: a stale or forged event.
            logger.warning(
                "job event for file %s names job %r, the file has %r",
                audio.pk,
                event.job_id,
                audio.job_id,
            )
            return None
        return audio
    if event.job_id:
        return files.filter(job_id=event.job_id).first()
    return None


def _transition(audio: AudioFile, event: JobEvent) -> list[str]:
    """Move `audio` forward for `event`; returns the fields changed (none: nothing to do)."""
    if audio.is_finished:
        return []
    state = JobState(event.state)
    if state == JobState.QUEUED:
        if audio.status != Status.UPLOADED:
            return []
        audio.status = Status.QUEUED
        return ["status"]
    if state == JobState.PROCESSING:
        changed = []
        if audio.status != Status.PROCESSING:
            audio.status = Status.PROCESSING
            changed.append("status")
        if event.progress is not None:
            progress = max(0, min(100, int(event.progress)))
            if audio.progress is None or progress > audio.progress:
                audio.progress = progress
                changed.append("progress")
        return changed
    audio.finished_at = timezone.now()
    if state == JobState.DONE:
        audio.status, audio.progress, audio.error = Status.DONE, 100, ""
        audio.output = name_from_s3(event.output) or output_name(audio)
        return ["status", "progress", "error", "output", "finished_at"]
    audio.status = Status.FAILED
    audio.error = (event.error or "unknown error").strip()[:MAX_ERROR]
    return ["status", "error", "finished_at"]


def _tell_owner(audio: AudioFile) -> None:
    """Create or update the file's one message; the same key replaces it in every tab."""
    if audio.status == Status.DONE:
        text, level = f"Your file {audio.name} is ready", Level.SUCCESS
    elif audio.status == Status.FAILED:
        text, level = f"Transcoding {audio.name} failed: {audio.error}", Level.ERROR
    elif audio.status == Status.QUEUED:
        text, level = f"Transcoding {audio.name}\u2026 (queued)", Level.INFO
    else:
        progress = f" {audio.progress}%" if audio.progress is not None else ""
        text, level = f"Transcoding {audio.name}\u2026{progress}", Level.INFO
    notify(
        audio.owner,
        text,
        level=level,
        link=audio.get_absolute_url(),
        collapse_key=f"audiofile:{audio.pk}",
    )
