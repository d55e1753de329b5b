"""AudioFile: one upload of one user and the state of its transcoding job."""

import posixpath
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy


class Status(models.TextChoices):
    UPLOADED = "uploaded", gettext_lazy("Uploaded")
    QUEUED = "queued", gettext_lazy("Queued")
    PROCESSING = "processing", gettext_lazy("Processing")
    DONE = "done", gettext_lazy("Done")
    FAILED = "failed", gettext_lazy("Failed")


FINISHED = frozenset({Status.DONE, Status.FAILED})


def storage_dir(owner_id: int) -> str:
    """A fresh folder per upload: audio/<owner>/<random>/; the owner prefix is checked."""
    return f"audio/{owner_id}/{uuid.uuid4().hex}"


def original_upload_to(instance: "AudioFile", filename: str) -> str:
    return f"{storage_dir(instance.owner_id)}/{posixpath.basename(filename)}"


class AudioFileQuerySet(models.QuerySet["AudioFile"]):
    def for_owner(self, user_id: int) -> "AudioFileQuerySet":
        return self.filter(owner_id=user_id)


class AudioFile(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audio_files"
    )
    name = models.CharField(max_length=200)
    original = models.FileField(upload_to=original_upload_to, max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    # The TRANSCODER_BACKEND that took the job, kept so a settings change does not
    # confuse jobs already running elsewhere.
    transcoder = models.CharField(max_length=200, blank=True, default="")
    # NULL until submitted: unique among the set ones, and the webhook's lookup key.
    job_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    output = models.FileField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    # 0-100 where the backend reports it.
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AudioFileQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "-id"], name="audiofile_owner_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("uploads:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_ready(self) -> bool:
        return self.status == Status.DONE and bool(self.output)

    @property
    def download_name(self) -> str:
        stem = posixpath.splitext(posixpath.basename(self.output.name or self.name))[0]
        return f"{stem or 'audio'}.mp3"
