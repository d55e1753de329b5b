"""Read, unread and seen: what the user has looked at.

Mark-read has one writer, `bulk.ack_many` (one `UPDATE … RETURNING`, then the user's
total): a socket's `ack` reaches it through the batching writer (`ack`), an HTTP read
in the request's transaction (`mark_read`, `mark_all_read`); both build the same `read`
frame, sent to every socket of the user after commit.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import live
from notifications import bulk, events, frames
from notifications.models import Message
from notifications.services.batched import submit
from notifications.services.ids import int_ids


async def ack(*, user_id: int, ids: list[int]) -> list[int]:
    """Mark the user's own unread messages among `ids` read through the batching writer;
    returns the ids changed once committed and the `read` frame sent. Never refused for a
    full queue: each socket's rate limit bounds acks, and a refused ack comes back."""
    return await submit(bulk.ACK, (user_id, ids), bounded=False)


def mark_read(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Mark the user's own unread messages among `ids` read; returns the ids changed.

    Ids of other users' messages, unknown ids and already-read ids are silently ignored.
    """
    wanted = int_ids(ids)
    if not wanted:
        return []
    return _mark(user, wanted)


def mark_all_read(*, user: AbstractBaseUser) -> list[int]:
    """Mark every unread message of the user read; returns the ids changed.

    In slices of NOTIFICATIONS_BULK_SLICE messages, oldest first, each its own transaction
    with its own `read` frame: no lock (the user's counter row above all) is held for the
    whole job, so the batching writer and other requests wait at most one slice. Messages
    that arrive meanwhile stay unread, as if they came just after.
    """
    mine = Message.objects.for_user(user.pk)
    newest = mine.order_by("-id").values_list("id", flat=True).first()
    changed: list[int] = []
    after = 0
    while newest is not None:
        ids = list(
            mine.unread()
            .filter(id__gt=after, id__lte=newest)
            .order_by("id")
            .values_list("id", flat=True)[: settings.NOTIFICATIONS_BULK_SLICE]
        )
        if not ids:
            break
        changed += _mark(user, set(ids))
        after = ids[-1]
    return changed


def mark_unread(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Mark the user's own read messages among `ids` unread; returns the ids changed.

    Each changed message is sent as a `notification` frame, which clients upsert, so
    every tab shows it again. An archived message comes back to the inbox (unread means
    counted, and archived messages never are). Foreign, unknown and already-unread ids
    are ignored.
    """
    wanted = int_ids(ids)
    if not wanted:
        return []
    with transaction.atomic():
        changed = list(
            Message.objects.for_user(user.pk)
            .filter(id__in=wanted, read_at__isnull=False)
            .select_for_update()
            .values_list("id", flat=True)
        )
        if changed:
            Message.objects.filter(id__in=changed).update(
                read_at=None, archived_at=None, snoozed_until=None
            )
            events.changed(events.UNREAD, {user.pk: changed})
            # One `notification` frame per message, oldest first like a sync, all with
            # the count after the change: clients upsert these, so every tab shows the
            # message again with no new frame type. Toasts as a new message would (not
            # during do-not-disturb, nor in a muted thread).
            again = list(Message.objects.filter(id__in=changed))
            for user_id, frame in frames.notification_frames(again):
                live.send_on_commit(user_id, frame)
    return sorted(changed)


def mark_seen(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Record that the user has seen these own messages; returns the ids changed.

    Sends nothing: "seen" only tells the inbox which unread messages are new, and it
    is read from the database on the next page load. Seen is set once, never cleared.
    """
    wanted = int_ids(ids)
    if not wanted:
        return []
    queryset = Message.objects.for_user(user.pk).filter(id__in=wanted, seen_at__isnull=True)
    changed = sorted(queryset.values_list("id", flat=True))
    if changed:
        with transaction.atomic():  # the event is stored with the change, or neither
            # The filter is repeated so a concurrent `seen` from another tab keeps the first
            # time.
            Message.objects.filter(id__in=changed, seen_at__isnull=True).update(
                seen_at=timezone.now()
            )
            events.changed(events.SEEN, {user.pk: changed})
    return changed


def _mark(user: AbstractBaseUser, ids: set[int]) -> list[int]:
    # The socket's writer in the request's transaction: the same UPDATE, count and `read`
    # frame as an ack, the frame sent only once this commits.
    with transaction.atomic():
        [changed], sends = bulk.ack_many([(user.pk, sorted(ids))])
        for user_id, frame in sends:
            live.send_on_commit(user_id, frame)
    return changed
