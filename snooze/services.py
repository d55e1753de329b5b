"""Snooze: a message leaves the inbox and the unread count until a time, then comes back.

`snooze` sets `snoozed_until` (the counter's triggers take the message out of the count,
notifications/counters.py); `wake_due` brings back every message whose time has come, as
a new unread message: unread, unseen, not yet sent by Web Push or email, `created_at` the
wake-up time, so toasts, Web Push and the email digest treat it as they treat a new one.
Who calls `wake_due`: each server process's clock (snooze/clock.py) and
the periodic `manage.py wake_snoozed`; they may run at once, in any number of processes.
A wake-up is claimed by the one statement that clears `snoozed_until` (UPDATE ...
RETURNING, re-checked under the row lock), so each happens exactly once: none is lost
while no process runs (the next pass finds it due), none is sent twice.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import live
from notifications import events, frames, selectors
from notifications.models import Message, is_id
from snooze.times import checked

# Messages woken per transaction; a pass that woke this many runs again at once.
BATCH = 500


def snooze(*, user: AbstractBaseUser, ids: Iterable[int], until: datetime) -> list[int]:
    """Snooze the user's own messages among `ids` until `until` (aware, in the future:
    InvalidSnooze otherwise); returns the ids changed and pushes `snoozed` to every socket
    of the user. Snoozing a snoozed message moves its time; archived ones are skipped."""
    until = checked(until, now=timezone.now())
    wanted = {i for i in ids if is_id(i)}
    if not wanted:
        return []
    with transaction.atomic():
        changed = Message.objects.set_returning_ids(
            values={"snoozed_until": until}, owners={user.pk: wanted}, null={"archived_at": True}
        )
        if changed:
            events.changed(events.SNOOZED, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            live.send_on_commit(user.pk, frames.snoozed_frame(changed, until.isoformat(), count))
    from snooze import clock  # the clock imports this module

    clock.after_commit()
    return changed


def unsnooze(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Bring the user's own snoozed messages among `ids` back now, unread (no toast: the
    user asked for them); returns the ids changed."""
    wanted = {i for i in ids if is_id(i)}
    if not wanted:
        return []
    return _wake({user.pk: wanted}, now=timezone.now(), toast=False)


def wake_due(*, now: datetime | None = None) -> int:
    """Wake at most BATCH messages whose snooze has ended, each exactly once across
    processes; returns how many this call woke."""
    now = now or timezone.now()
    with transaction.atomic():
        # PostgreSQL: rows another waker holds are skipped, not waited for; the UPDATE
        # below re-checks each row either way (SQLite has no row locks; its writes queue).
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(snoozed_until__lte=now)
            .order_by("snoozed_until")
            .values_list("recipient_id", "id")[:BATCH]
        )
        owners: dict[int, set[int]] = {}
        for user_id, message_id in due:
            owners.setdefault(user_id, set()).add(message_id)
        return len(_wake(owners, now=now, toast=True))


def next_due() -> datetime | None:
    """The earliest time a snoozed message wakes, or None."""
    return (
        Message.objects.filter(snoozed_until__isnull=False)
        .order_by("snoozed_until")
        .values_list("snoozed_until", flat=True)
        .first()
    )


def _wake(owners: dict[int, set[int]], *, now: datetime, toast: bool) -> list[int]:
    if not owners:
        return []
    with transaction.atomic():
        # The claim: only the statement that clears `snoozed_until` wakes a message. On
        # PostgreSQL a concurrent waker's UPDATE waits for this row lock, then finds the
        # row no longer snoozed and skips it; on SQLite writes run one at a time.
        changed = Message.objects.set_returning_ids(
            values={
                "snoozed_until": None,
                "read_at": None,
                "seen_at": None,
                "created_at": now,
                "updated_at": now,
            },
            owners=owners,
            null={"snoozed_until": False},
        )
        if not changed:
            return []
        messages = list(Message.objects.filter(id__in=changed, archived_at__isnull=True))
        # Sent by Web Push or emailed before its snooze: offline/ hears WOKEN and may send
        # it again, as a new message.
        events.changed(events.WOKEN, _by_user(messages))
        pushes = frames.notification_frames(messages, quiet=not toast)
        live.send_many_on_commit(pushes)
    return changed


def _by_user(messages: list[Message]) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = {}
    for message in messages:
        owners.setdefault(message.recipient_id, []).append(message.pk)
    return owners
