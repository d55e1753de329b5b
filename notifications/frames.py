"""The one builder of `notification` frames: a message with its user's unread total and
whether it may toast now.

Every writer that sends a message to open tabs (notify, a batch, mark unread, unarchive,
a snooze's wake-up, the SNS batch) builds its frames here, so the user's preferences (a
level's toasts turned off, do-not-disturb) and muted threads are honoured on every path.
The frame's shape itself is `live.notification_frame`; nothing else calls it.
"""

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from django.utils import timezone

from notifications import follows, live, preferences, rawsql, selectors
from notifications.models import Message

Push = tuple[int, dict[str, Any]]


def notification_frames(messages: list[Message], *, quiet: bool = False) -> list[Push]:
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
    (rawsql.execute_then can run them in the write's round trip). `recipients`: the
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
) -> list[Push]:
    """`notification_frames` from the values of `notification_reads`."""
    now = timezone.now()

    def toasts(m: Message) -> bool:
        return snapshots[m.recipient_id].shows_toast(m.level, now) and (
            (m.recipient_id, m.group) not in muted
        )

    return _frames(messages, counts, toasts)


def _frames(
    messages: list[Message], counts: dict[int, int], toasts: Callable[[Message], bool]
) -> list[Push]:
    return [
        (
            m.recipient_id,
            live.notification_frame(m.to_payload(), counts[m.recipient_id], toast=toasts(m)),
        )
        for m in sorted(messages, key=lambda m: m.pk)
    ]
