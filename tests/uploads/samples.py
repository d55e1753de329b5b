"""Audio samples and file utilities for the uploads tests."""

import io
import math
import struct
import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg
from django.core.files.uploadedfile import SimpleUploadedFile


def wav_bytes(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A mono 440 Hz tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return buffer.getvalue()


def corrupt_flac_bytes(tmp_path: Path) -> bytes:
    """A real FLAC header (so sniffing and probing pass) followed by undecodable frames."""
    source, flac = tmp_path / "tone.wav", tmp_path / "tone.flac"
    source.write_bytes(wav_bytes())
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(source), str(flac)],
        check=True,
    )
    data = flac.read_bytes()
    # Walk the metadata blocks to where the audio frames start, then replace the frames.
    pos, last = 4, False
    while not last:
        last = bool(data[pos] & 0x80)
        pos += 4 + int.from_bytes(data[pos + 1 : pos + 4], "big")
    return data[:pos] + b"\x00" * 20000


def upload(name: str, content: bytes, content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def media_files(media_root: Path | str) -> list[Path]:
    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def describe(path: Path) -> str:
    """ffmpeg's description of a file's streams (it exits non-zero without an output)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
    )
    return result.stderr


def wav_bomb(data_bytes: int = 1024 * 1024) -> bytes:
    """A small WAV whose header claims 1 Hz, 8-bit mono and 4 GB of samples (~136 years)."""
    claimed = 0xFFFF_FF00
    fmt = struct.pack("<HHIIHH", 1, 1, 1, 1, 1, 8)  # PCM, mono, 1 Hz, 1 B/s, align 1, 8 bit
    header = (
        b"RIFF"
        + struct.pack("<I", claimed + 36)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", claimed)
    )
    return header + bytes(range(256)) * (data_bytes // 256)
