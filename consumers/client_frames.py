"""A client's frames before they reach a handler: parsed, checked and rate limited.

Pure, and shared by the socket and its event stream (consumers/notifications.py): a
frame that fails here becomes an `error` frame with the `FrameError`'s code, and the
socket stays open (docs/protocol.md).
"""

import json
import time
from typing import Any

from django.conf import settings

from notifications.models import parse_ids


class FrameError(Exception):
    """A client frame refused: `code` and `detail` go back in an `error` frame."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def parse_frame(text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
    """The frame as a dict with a string `type`; FrameError otherwise."""
    if text_data is None:
        raise FrameError("binary_not_supported", "send JSON text frames")
    if len(text_data) > settings.NOTIFICATIONS_MAX_FRAME_BYTES:
        raise FrameError(
            "too_large", f"frames are limited to {settings.NOTIFICATIONS_MAX_FRAME_BYTES} bytes"
        )
    try:
        frame = json.loads(text_data)
    except ValueError:
        raise FrameError("invalid_json", "the frame is not valid JSON") from None
    if not isinstance(frame, dict):
        raise FrameError("invalid_frame", "a frame must be a JSON object")
    if not isinstance(frame.get("type"), str):
        raise FrameError("invalid_frame", "a frame needs a string 'type'")
    return frame


def valid_ids(ids: Any) -> list[int]:
    """The `ids` of an ack or seen frame, or an `invalid_ids` error."""
    try:
        return parse_ids(ids)
    except ValueError as exc:
        raise FrameError("invalid_ids", str(exc)) from None


class FrameRate:
    """A token bucket per socket: NOTIFICATIONS_RATE frames a second on average, bursts up
    to NOTIFICATIONS_RATE_BURST. `strikes` counts frames refused in a row: past the burst,
    the socket closes (a client that ignores `rate_limited`)."""

    def __init__(self) -> None:
        self.tokens = float(settings.NOTIFICATIONS_RATE_BURST)
        self.refilled = time.monotonic()
        self.strikes = 0

    def take(self) -> None:
        """Spend one token, or raise a `rate_limited` FrameError."""
        now = time.monotonic()
        self.tokens = min(
            float(settings.NOTIFICATIONS_RATE_BURST),
            self.tokens + (now - self.refilled) * settings.NOTIFICATIONS_RATE,
        )
        self.refilled = now
        if self.tokens < 1:
            self.strikes += 1
            raise FrameError("rate_limited", "too many frames; slow down")
        self.tokens -= 1
        self.strikes = 0

    @property
    def exhausted(self) -> bool:
        """Refused more times in a row than a burst: the client is not slowing down."""
        return self.strikes > settings.NOTIFICATIONS_RATE_BURST
