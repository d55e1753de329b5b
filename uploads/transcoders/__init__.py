"""Transcoder backends behind one interface: `submit(audio_file) -> job_id`.

A backend starts a job and returns its id; it never writes AudioFile rows. Outcomes come
back as JobEvents (the local worker directly, AWS through the SNS webhook) and are
applied by uploads.services.apply_job_event.
"""

import posixpath
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from uploads.models import AudioFile

BACKENDS = {
    "local": "uploads.transcoders.local.LocalTranscoder",
    "mediaconvert": "uploads.transcoders.mediaconvert.MediaConvertTranscoder",
}


class TranscoderError(Exception):
    """The job could not be submitted; the message is shown to the file's owner."""


class Transcoder(Protocol):
    def submit(self, audio_file: "AudioFile") -> str:
        """Start transcoding `audio_file` to MP3; returns the backend's job id."""
        ...


def get_transcoder(name: str | None = None) -> Transcoder:
    """The backend called `name` (default TRANSCODER_BACKEND), or a dotted class path."""
    name = name or settings.TRANSCODER_BACKEND
    return import_string(BACKENDS.get(name, name))()


def output_name(audio_file: "AudioFile") -> str:
    """Where the MP3 of a file goes: <upload folder>/transcoded/<stem>.mp3.

    MediaConvert derives its output name from the input's, so every backend uses this
    rule and the result's key is known before the job ends.
    """
    folder, base = posixpath.split(audio_file.original.name)
    stem = posixpath.splitext(base)[0] or "audio"
    return posixpath.join(folder, "transcoded", f"{stem}.mp3")
