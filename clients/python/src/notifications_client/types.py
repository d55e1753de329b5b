"""What the service sends, as typed values (docs/api.md and docs/protocol.md)."""

from dataclasses import dataclass, field
from typing import Any


class NotificationsError(Exception):
    """The service refused a request: `status` and its `{"error", "detail"}` body."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(f"{status} {code}: {detail}" if detail else f"{status} {code}")
        self.status, self.code, self.detail = status, code, detail


class AuthenticationError(NotificationsError):
    """The credential is missing, wrong or ended (HTTP 401/403, socket close 4401)."""


@dataclass(frozen=True)
class Message:
    id: int
    text: str
    level: str
    link: str
    created_at: str
    read_at: str | None = None
    seen_at: str | None = None
    archived_at: str | None = None
    group: str = ""  # its thread's key, "" when in none
    snoozed_until: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Message":
        known = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class Page:
    results: list[Message]
    next_before: int | None
    unread_count: int


@dataclass(frozen=True)
class Changed:
    """The answer of read, archive, unarchive, delete: the ids that changed."""

    ids: list[int]
    unread_count: int


@dataclass(frozen=True)
class FanOut:
    recipients: int
    created: int


# Socket events. Every one but Error and Unknown carries the authoritative unread_count.
@dataclass(frozen=True)
class Sync:
    """The unread set (oldest first, capped), after every (re)connect or a `sync` request."""

    unread: list[Message]
    unread_count: int


@dataclass(frozen=True)
class Notification:
    message: Message
    unread_count: int
    toast: bool = True  # False: the user's preferences hold toasts for it


@dataclass(frozen=True)
class StateChange:
    """`read`, `archived`, `unarchived` or `deleted`: these ids changed state."""

    type: str
    ids: list[int]
    unread_count: int


@dataclass(frozen=True)
class Error:
    code: str
    detail: str


@dataclass(frozen=True)
class Unknown:
    """A frame type this client does not know (newer servers add some): passed through."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


Event = Sync | Notification | StateChange | Error | Unknown
STATE_CHANGES = ("read", "archived", "unarchived", "deleted")


def parse_frame(frame: dict[str, Any]) -> Event | None:
    """A socket frame as an Event; None for `pong`."""
    kind = frame.get("type")
    if kind == "sync":
        return Sync([Message.from_json(m) for m in frame["unread"]], frame["unread_count"])
    if kind == "notification":
        return Notification(
            Message.from_json(frame["message"]),
            frame["unread_count"],
            toast=frame.get("toast", True),
        )
    if kind in STATE_CHANGES:
        return StateChange(kind, list(frame["ids"]), frame["unread_count"])
    if kind == "error":
        return Error(frame.get("code", ""), frame.get("detail", ""))
    if kind == "pong":
        return None
    return Unknown(str(kind), frame)
