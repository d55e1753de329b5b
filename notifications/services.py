"""The writers of Message, one at a time: notify, edit_message, mark_*.

notifications/bulk.py writes many at once with the same rows and frames (the batching
writer's jobs). The only other writes are bookkeeping users never see: Web Push's
`pushed_at` (webpush/send.py) and the retention purge of read messages. Every push to
users goes through notifications/live.py, after commit.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import bulk, events, live, selectors
from notifications.actions import clean_actions
from notifications.models import UNREAD_NULL, Level, Message, is_id

# InvalidNotification is re-exported: producers catch services.InvalidNotification.
from notifications.validators import InvalidNotification as InvalidNotification
from notifications.validators import clean, clean_group

logger = logging.getLogger(__name__)


def notify(
    user: AbstractBaseUser,
    text: str,
    *,
    level: str = Level.INFO,
    link: str = "",
    source_id: str | None = None,
    collapse_key: str = "",
    group: str = "",
    actions: list[dict[str, str]] | None = None,
) -> Message:
    """Store one message for `user` (once per source_id) and push it after commit.

    With a collapse_key, the user's message with that key is updated in place (unread
    again) and pushed under the same id; clients replace rather than add it. With a
    `group` it joins that thread (notifications/threads.py); `actions` are up to two
    buttons (notifications/actions.py). The batching writer (notifications.writer) stores
    the hot path's messages with the same rows and frames, many at a time.
    """
    text, level, link = clean(text, level, link)
    extra = {"group": clean_group(group), "actions": clean_actions(actions)}
    # No savepoint of its own: whatever fails here fails the caller's transaction too.
    with transaction.atomic(savepoint=False):
        message = None
        if collapse_key:
            # A replay must not update the collapsed message: look for it before collapsing.
            if source_id and (existing := _by_source(user, source_id)) is not None:
                return existing
            message = _collapsible(user, collapse_key)
        created = message is None
        if created:
            try:
                # A savepoint: a repeated source_id, or a concurrent producer with the same
                # collapse key, fails here and uses the existing row instead of failing.
                with transaction.atomic():
                    message = Message.objects.create(
                        recipient_id=user.pk,
                        text=text,
                        level=level,
                        link=link,
                        source_id=source_id or None,
                        collapse_key=collapse_key,
                        **extra,
                    )
            except IntegrityError:
                if source_id and (existing := _by_source(user, source_id)) is not None:
                    return existing
                message = _collapsible(user, collapse_key)
                if message is None:
                    raise
                created = False
        if not created:
            message.group, message.actions = extra["group"], extra["actions"]
            _update_in_place(message, text=text, level=level, link=link, also=list(extra))
        events.written(events.CREATED if created else events.UPDATED, [message])
        _push_message(message)
    return message


def edit_message(*, message_id: int, text: str, level: str, link: str) -> Message:
    """Change a message's text, level and link (the admin); unread again, pushed after commit.

    Raises InvalidNotification (nothing saved) for what notify would refuse. New content is
    news, as for a collapsed update in notify: unread, unseen, and Web Push tells of it.
    """
    text, level, link = clean(text, level, link)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        _update_in_place(message, text=text, level=level, link=link)
        events.written(events.UPDATED, [message])
        _push_message(message)
    return message


def _push_message(message: Message) -> None:
    # In the writing transaction: the frame carries the count as of this commit, and is
    # sent only once it has committed (live.send_on_commit). The same frame as a batch's.
    for user_id, frame in bulk.sorted_frames([message]):
        live.send_on_commit(user_id, frame)


def notify_users(
    *,
    user_ids: list[int],
    text: str,
    level: str = Level.INFO,
    link: str = "",
    source_id: str | None = None,
) -> bulk.FanOut:
    """Store one message for each user (once per user and source_id) in batched inserts,
    and push each user theirs after commit. Names resolve with selectors.recipient_ids."""
    for attempt in range(FANOUT_ATTEMPTS):
        try:
            # A savepoint when the caller has a transaction (a fan-out job's step).
            with transaction.atomic():
                result, pushes = bulk.notify_users(
                    user_ids, text=text, level=level, link=link, source_id=source_id
                )
                live.send_many_on_commit(pushes)
            return result
        except IntegrityError:
            # The same fan-out (one source_id) running at once elsewhere stored some of
            # these rows after this one looked: look again; those are repeats now, not
            # an error (three identical requests at once all succeed, issue #19).
            if not source_id or attempt == FANOUT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


FANOUT_ATTEMPTS = 3


def notify_specs(
    *, specs: list[bulk.NotifySpec], cleaned: bool = False
) -> list[bulk.Stored | bulk.Refused]:
    """Store each spec as bulk.notify_many does, in the caller's transaction; send after commit."""
    results, pushes = bulk.notify_many(specs, cleaned=cleaned)
    for user_id, frame in pushes:
        live.send_on_commit(user_id, frame)
    return results


def _by_source(user: AbstractBaseUser, source_id: str) -> Message | None:
    return Message.objects.for_user(user.pk).filter(source_id=source_id).first()


def _collapsible(user: AbstractBaseUser, collapse_key: str) -> Message | None:
    if not collapse_key:
        return None
    return (
        Message.objects.select_for_update()
        .filter(recipient_id=user.pk, collapse_key=collapse_key)
        .first()
    )


def _update_in_place(
    message: Message, *, text: str, level: str, link: str, also: list[str] = ()
) -> None:
    # The row keeps its first source_id: a replay of that first event must still be
    # recognised, and must not turn the message back into its older text.
    message.text, message.level, message.link = text, level, link
    # New content: unread, unseen, back in the inbox if archived, and not yet pushed again
    # (Web Push tells of the update).
    message.read_at = message.seen_at = message.pushed_at = message.archived_at = None
    message.snoozed_until = None
    message.save(
        update_fields=[
            "text",
            "level",
            "link",
            "read_at",
            "seen_at",
            "pushed_at",
            "archived_at",
            "snoozed_until",
            "updated_at",
            *also,
        ]
    )


def mark_read(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Mark the user's own unread messages among `ids` read; returns the ids changed.

    Ids of other users' messages, unknown ids and already-read ids are silently ignored.
    """
    wanted = _int_ids(ids)
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

    Each changed message is pushed as a `notification` frame, which clients upsert, so
    every tab shows it again. An archived message comes back to the inbox (unread means
    counted, and archived messages never are). Foreign, unknown and already-unread ids
    are ignored.
    """
    wanted = _int_ids(ids)
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
            # message again with no new frame type.
            count = selectors.unread_count(user_id=user.pk)
            for message in Message.objects.filter(id__in=changed).order_by("id"):
                live.send_on_commit(user.pk, live.notification_frame(message.to_payload(), count))
    return sorted(changed)


def mark_seen(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Record that the user has seen these own messages; returns the ids changed.

    Pushes nothing: "seen" only tells the inbox which unread messages are new, and it
    is read from the database on the next page load. Seen is set once, never cleared.
    """
    wanted = _int_ids(ids)
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


def _int_ids(ids: Iterable[int]) -> set[int]:
    # Out-of-range ids are unknown ids: the database driver would raise on them.
    return {i for i in ids if is_id(i)}


def _mark(user: AbstractBaseUser, ids: set[int]) -> list[int]:
    # The count is read in the update's transaction: the frame carries the total as of
    # this commit, and goes only once it has committed.
    with transaction.atomic():
        changed = Message.objects.set_returning_ids(
            values={"read_at": timezone.now()}, owners={user.pk: ids}, null=UNREAD_NULL
        )
        if changed:
            events.changed(events.READ, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            live.send_on_commit(user.pk, live.read_frame(changed, count))
    return changed


def archive(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Hide the user's own messages among `ids` from the default inbox (kept, no longer
    unread); returns the ids changed and pushes `archived` to every socket of the user."""
    wanted = _int_ids(ids)
    if not wanted:
        return []
    with transaction.atomic():
        changed = Message.objects.set_returning_ids(
            # A snoozed message archived stays archived: its snooze ends with it.
            values={"archived_at": timezone.now(), "snoozed_until": None},
            owners={user.pk: wanted},
            null={"archived_at": True},
        )
        if changed:
            events.changed(events.ARCHIVED, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            live.send_on_commit(user.pk, live.archived_frame(changed, count))
    return changed


def unarchive(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Bring the user's own archived messages among `ids` back; returns the ids changed.

    Pushes a `notification` frame (quiet: `toast: false`) for each one that is unread
    again, so clients that predate archiving show it again and count it, then one
    `unarchived` frame with every id.
    """
    wanted = _int_ids(ids)
    if not wanted:
        return []
    with transaction.atomic():
        changed = Message.objects.set_returning_ids(
            values={"archived_at": None}, owners={user.pk: wanted}, null={"archived_at": False}
        )
        if changed:
            events.changed(events.UNARCHIVED, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            for message in Message.objects.filter(id__in=changed).unread().order_by("id"):
                frame = live.notification_frame(message.to_payload(), count, toast=False)
                live.send_on_commit(user.pk, frame)
            live.send_on_commit(user.pk, live.unarchived_frame(changed, count))
    return changed


def delete(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Delete the user's own messages among `ids`; returns the ids deleted and pushes
    `deleted` to every socket of the user. Foreign and unknown ids are ignored."""
    wanted = _int_ids(ids)
    if not wanted:
        return []
    with transaction.atomic():
        # Locked first, so two concurrent deletes of one id do not both report it; the
        # ORM delete (not raw SQL) so rows that point at a message go with it.
        changed = sorted(
            Message.objects.for_user(user.pk)
            .filter(id__in=wanted)
            .select_for_update()
            .values_list("id", flat=True)
        )
        if changed:
            Message.objects.filter(id__in=changed).delete()
            events.changed(events.DELETED, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            live.send_on_commit(user.pk, live.deleted_frame(changed, count))
    return changed
