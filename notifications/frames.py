"""The frames sent to users' open tabs (docs/protocol.md): one builder per frame type.

`notification_frames` is the one builder of `notification` frames: a message with its
user's unread total and whether it may toast now. Every writer that sends a message to
open tabs (notify, a batch, mark unread, unarchive, a snooze's wake-up, the SNS batch)
builds its frames there, so the user's preferences (a level's toasts turned off,
do-not-disturb) and muted threads are honoured on every path; the frame's shape itself
is `notification_frame`, which nothing else calls. The other frames say what changed
(`read`, `archived`...). Sending them is the live transport's job (`live.send_on_commit`).
"""

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from django.utils import timezone

import live
from notifications import follows, preferences, selectors
from notifications.models import Message
from sqlreads import rawsql


def notification_frames(messages: list[Message], *, quiet: bool = False) -> list[live.Send]:
    """The `notification` frame of each message, oldest first, with its user's unread total
    and `toast: false` where their preferences hold it or its thread is muted: two queries
    (three when a message has a group), whatever the count. `quiet`: none toasts (the user
    asked for these messages back); the preferences are then not read."""
    if quiet:
        counts = selectors.unread_counts({m.recipient_id for m in messages})
        return _frames(messages, counts, lambda message: False)
    reads = notification_reads(messages)
    return notification_frames_from(messages, *(read.run() for read in reads))


def notification_reads(
    messages: list[Message], *, recipients: rawsql.Keys | None = None
) -> list[rawsql.Read[Any]]:
    """What the messages' frames need read once they are stored: their recipients' unread
    totals and preferences, and which of their threads are muted when any has one
    (a `sqlreads.Plan` can run them in the write's round trip). `recipients`: the
    recipients as a subquery, when the write that stores the messages resolves them."""
    if recipients is not None:
        reads = [selectors.unread_counts_read(recipients), preferences.snapshots_read(recipients)]
        if any(m.group for m in messages):
            reads.append(follows.muted_read(recipients))
        return reads
    ids = {m.recipient_id for m in messages}
    reads = [selectors.unread_counts_read(ids), preferences.snapshots_read(ids)]
    grouped = {(m.recipient_id, m.group) for m in messages if m.group}
    if grouped:  # only then: messages without a thread pay nothing for mute
        reads.append(follows.muted_read(grouped))
    return reads


def notification_frames_from(
    messages: list[Message],
    counts: dict[int, int],
    snapshots: dict[int, preferences.PreferenceSnapshot],
    muted: AbstractSet[tuple[int, str]] = frozenset(),
) -> list[live.Send]:
    """`notification_frames` from the values of `notification_reads`."""
    now = timezone.now()

    def toasts(m: Message) -> bool:
        return snapshots[m.recipient_id].shows_toast(m.level, now) and (
            (m.recipient_id, m.group) not in muted
        )

    return _frames(messages, counts, toasts)


def _frames(
    messages: list[Message], counts: dict[int, int], toasts: Callable[[Message], bool]
) -> list[live.Send]:
    return [
        (
            m.recipient_id,
            notification_frame(m.to_payload(), counts[m.recipient_id], toast=toasts(m)),
        )
        for m in sorted(messages, key=lambda m: m.pk)
    ]


def notification_frame(
    message: dict[str, Any], unread_count: int, *, toast: bool = True
) -> dict[str, Any]:
    """A new or changed message (`Message.to_payload()`), with the user's unread total.

    `toast: false` (only ever sent as false) tells clients to add it to the inbox quietly:
    the user's preferences hold toasts for this level, or do-not-disturb is on.
    """
    frame = {"type": "notification", "message": message, "unread_count": unread_count}
    if not toast:
        frame["toast"] = False
    return frame


def read_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    return {"type": "read", "ids": sorted(ids), "unread_count": unread_count}


def archived_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages hidden from the default inbox (kept); they no longer count as unread."""
    return {"type": "archived", "ids": sorted(ids), "unread_count": unread_count}


def unarchived_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages back in the default inbox (the unread ones also come as `notification`)."""
    return {"type": "unarchived", "ids": sorted(ids), "unread_count": unread_count}


def snoozed_frame(ids: list[int], until: str, unread_count: int) -> dict[str, Any]:
    """Messages away until `until` (ISO time); back as `notification` frames when it comes."""
    return {"type": "snoozed", "ids": sorted(ids), "until": until, "unread_count": unread_count}


def deleted_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages gone for good."""
    return {"type": "deleted", "ids": sorted(ids), "unread_count": unread_count}


def muted_frame(group: str, muted: bool) -> dict[str, Any]:
    """The user muted (or unmuted) thread `group`: its toasts go, its rows say so."""
    return {"type": "muted", "group": group, "muted": muted}


def interacted_frame(message_id: int, action: int, unread_count: int) -> dict[str, Any]:
    """The user clicked action number `action` (0 or 1) of a message; it is read now."""
    return {"type": "interacted", "id": message_id, "action": action, "unread_count": unread_count}
