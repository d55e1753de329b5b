"""The local backend: ffmpeg from the imageio-ffmpeg wheel, in a small thread pool.

Jobs start after the submitting transaction commits, so the worker always sees the
AudioFile with its job id. The request never waits for ffmpeg; with
TRANSCODER_LOCAL_INLINE (tests, scripts) the job runs in the committing thread instead.
Jobs live in this process: a restart while a job runs leaves that file `processing`.
"""

import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial

import imageio_ffmpeg
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, connections, transaction

from uploads import selectors, services
from uploads.direct import too_long_message
from uploads.events import JobEvent, JobState
from uploads.models import AudioFile
from uploads.probe import probe
from uploads.storage import local_path
from uploads.transcoders import output_name
from uploads.transcoders.fair import FairPool

logger = logging.getLogger(__name__)

BITRATE = "192k"
BITS_PER_SECOND = 192_000
# Progress pushes are throttled: each one is a database write and a push to every tab.
PROGRESS_EVERY_SECONDS = 2.0
PROGRESS_MIN_STEP = 5
MAX_ERROR = 300

_executor: FairPool | None = None
_executor_lock = threading.Lock()


class TranscodeFailed(Exception):
    """ffmpeg could not make an MP3 of this input; the message is for the owner."""


class LocalTranscoder:
    def submit(self, audio_file: AudioFile) -> str:
        job_id = f"local-{uuid.uuid4().hex}"
        start = partial(_start, file_id=audio_file.pk, job_id=job_id, owner_id=audio_file.owner_id)
        transaction.on_commit(start, robust=True)
        return job_id


def _start(*, file_id: int, job_id: str, owner_id: int | None = None) -> None:
    if settings.TRANSCODER_LOCAL_INLINE:
        run_job(file_id=file_id, job_id=job_id)
    else:
        # Round-robin across owners: one user's uploads cannot fill the shared queue.
        _pool().submit(owner_id, _run_in_worker, file_id=file_id, job_id=job_id)


def _pool() -> FairPool:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = FairPool(settings.TRANSCODER_LOCAL_WORKERS, name="transcode")
        return _executor


def _run_in_worker(*, file_id: int, job_id: str) -> None:
    close_old_connections()
    try:
        run_job(file_id=file_id, job_id=job_id)
    finally:
        # Pool threads outlive the job; their connections must not.
        connections.close_all()


def run_job(*, file_id: int, job_id: str) -> None:
    """Transcode one file to MP3 and report processing, then done or failed. Never raises."""

    def report(state: JobState, **fields: object) -> bool:
        event = JobEvent(job_id=job_id, state=state, file_id=file_id, **fields)
        return services.apply_job_event(event)

    try:
        audio = selectors.file_by_id(file_id=file_id)
        if audio is None or audio.job_id != job_id or audio.is_finished:
            return  # deleted, resubmitted or already finished: nothing to do
        if not report(JobState.PROCESSING):
            return
        try:
            output = transcode(audio, on_progress=lambda p: report(JobState.PROCESSING, progress=p))
        except TranscodeFailed as exc:
            report(JobState.FAILED, error=str(exc))
            return
        if not report(JobState.DONE, output=output):
            default_storage.delete(output)
    except Exception:
        logger.exception("local transcoding of file %s (job %s) crashed", file_id, job_id)
        try:
            report(JobState.FAILED, error="internal error while transcoding")
        except Exception:
            logger.exception("could not record the failure of job %s", job_id)


def transcode(audio: AudioFile, *, on_progress: Callable[[int], object] = lambda p: None) -> str:
    """Make the MP3 of `audio` and store it; returns its storage name."""
    with tempfile.TemporaryDirectory(prefix="transcode-") as tmp:
        source = local_path(audio.original.name)
        if source is None:
            # Remote storage: ffmpeg needs a seekable local file.
            source = os.path.join(tmp, "input")
            with audio.original.open("rb") as src, open(source, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        info = probe(source)
        if info is None:
            raise TranscodeFailed("no audio stream found in the file")
        # The form checks this too; a direct (S3) upload or an older file is only sniffed.
        if info.too_long(settings.UPLOAD_MAX_SECONDS):
            raise TranscodeFailed(too_long_message())
        target = os.path.join(tmp, "output.mp3")
        _ffmpeg(source, target, duration=info.duration, on_progress=on_progress)
        with open(target, "rb") as fh:
            return default_storage.save(output_name(audio), File(fh))


def max_output_bytes() -> int:
    """Largest MP3 a job may write: the longest allowed audio at BITRATE, plus framing."""
    return int(settings.UPLOAD_MAX_SECONDS * BITS_PER_SECOND / 8 * 1.05) + 1024 * 1024


def _ffmpeg(
    source: str, target: str, *, duration: float | None, on_progress: Callable[[int], object]
) -> None:
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-i", source,
        "-map", "0:a:0", "-vn", "-c:a", "libmp3lame", "-b:a", BITRATE, "-f", "mp3",
        "-progress", "pipe:1", "-nostats",
        # Caps on what one job can write to the temp folder, whatever the header claims:
        # no more audio than an upload may have, and no more bytes than that makes.
        "-t", str(settings.UPLOAD_MAX_SECONDS), "-fs", str(max_output_bytes()),
        target,
    ]  # fmt: skip
    timeout = settings.TRANSCODER_LOCAL_TIMEOUT
    with tempfile.TemporaryFile() as errors:
        # stderr to a file: a chatty ffmpeg must not block on a full pipe we do not read.
        proc = subprocess.Popen(  # noqa: S603 - fixed binary, no shell
            command, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        out_us = 0
        last_time, last_pct = time.monotonic(), 0
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key != "out_time_us" or not value.isdigit():
                    continue
                out_us = int(value)
                if not duration:
                    continue
                pct = min(99, int(out_us / 1e6 / duration * 100))
                now = time.monotonic()
                due = now - last_time >= PROGRESS_EVERY_SECONDS
                if due and pct - last_pct >= PROGRESS_MIN_STEP:
                    on_progress(pct)
                    last_time, last_pct = now, pct
            returncode = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if killed.is_set():
        raise TranscodeFailed(f"transcoding took longer than {timeout} seconds")
    if returncode != 0:
        raise TranscodeFailed(_error_text(stderr, source) or f"ffmpeg exited with {returncode}")
    if out_us <= 0:
        # ffmpeg exits 0 and writes an empty MP3 when no frame could be decoded.
        raise TranscodeFailed("the file contains no audio that could be decoded")


def _error_text(stderr: str, source: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    # The first error names the cause; later lines repeat it less precisely.
    text = re.sub(r"^\[[^\]]*\]\s*", "", lines[0]).replace(source, "input")
    return text[:MAX_ERROR]
