"""Is this audio? Magic bytes first (cheap, works on the first bytes of an S3 object),
then a header probe with the ffmpeg binary from the imageio-ffmpeg wheel.

The wheel ships ffmpeg but no ffprobe: `ffmpeg -i <file>` with no output prints the
container's streams and exits non-zero, which is enough to see whether an audio stream
exists. It reads headers only, so a file with a valid header and a broken body passes
here and fails later in the transcoder; that is by design, decoding whole files on the
request path would make uploads slow.
"""

import logging
import re
import subprocess
from dataclasses import dataclass

import imageio_ffmpeg

logger = logging.getLogger(__name__)

HEAD_BYTES = 64
PROBE_TIMEOUT = 20

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+)")


def _mpeg_frame(head: bytes) -> bool:
    # MPEG audio frame sync: 11 set bits, then a valid version and layer.
    return (
        len(head) >= 2
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and head[1] & 0x18 != 0x08
        and head[1] & 0x06 != 0
    )


def sniff(head: bytes) -> str | None:
    """The audio container the first bytes announce, or None if they announce none."""
    if head[:4] == b"RIFF" and head[8:12] in {b"WAVE", b"RF64"}:
        return "wav"
    if head[:4] in {b"RF64", b"BW64"} and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in {b"AIFF", b"AIFC"}:
        return "aiff"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or _mpeg_frame(head):
        return "mp3"
    if head[4:8] == b"ftyp":
        # MP4 family: M4A and friends; the probe decides whether there is audio in it.
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"caff":
        return "caf"
    if head[:6] == b"#!AMR\n" or head[:9] == b"#!AMR-WB\n":
        return "amr"
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):
        return "asf"
    # ADTS AAC: sync 0xFFF with layer bits 00.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"
    return None


@dataclass(frozen=True)
class Probe:
    codec: str
    duration: float | None

    def too_long(self, max_seconds: int) -> bool:
        """Longer than `max_seconds` by the header. Unknown is not refused here: the
        transcoder's -t cap bounds what such a file can make."""
        return self.duration is not None and self.duration > max_seconds


def probe(path: str) -> Probe | None:
    """The first audio stream's codec and the duration, or None if ffmpeg finds no audio."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", path]
    try:
        result = subprocess.run(  # noqa: S603 - fixed binary, no shell, path is ours
            command, capture_output=True, text=True, errors="replace", timeout=PROBE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        logger.warning("ffmpeg probe timed out on %s", path)
        return None
    stream = _AUDIO_STREAM.search(result.stderr)
    if stream is None:
        return None
    found = _DURATION.search(result.stderr)
    duration = None
    if found:
        hours, minutes, seconds = found.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return Probe(codec=stream.group(1), duration=duration)
