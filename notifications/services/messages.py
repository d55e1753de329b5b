"""Creating and editing messages: notify one user, many users, or many specs at once.

`notify` and `edit_message` write one message in the caller's thread; `notify_users` and
`notify_specs` many with multi-row statements (notifications/bulk.py); `notify_one`
hands a spec to the batching writer (the hot path: the notify API). Every one sends its
frames after commit, built by notifications/frames.py.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

import live
from notifications import bulk, events, frames
from notifications.bulk import FanOut, NotifySpec, Refused, Stored
from notifications.models import Level, Message
from notifications.services.batched import submit
from notifications.validators import clean, clean_actions, clean_group


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
    """Store one message for `user` (once per source_id) and send it after commit.

    With a collapse_key, the user's message with that key is updated in place (unread
    again) and sent under the same id; clients replace rather than add it. With a
    `group` it joins that thread (threads/services.py); `actions` are up to two
    buttons (validators.clean_actions). The batching writer (notifications.writer) stores
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
        _send_message(message)
    return message


def edit_message(*, message_id: int, text: str, level: str, link: str) -> Message:
    """Change a message's text, level and link (the admin); unread again, sent after commit.

    Raises InvalidNotification (nothing saved) for what notify would refuse. New content is
    news, as for a collapsed update in notify: unread, unseen, and Web Push tells of it.
    """
    text, level, link = clean(text, level, link)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        _update_in_place(message, text=text, level=level, link=link)
        events.written(events.UPDATED, [message])
        _send_message(message)
    return message


def _send_message(message: Message) -> None:
    # In the writing transaction: the frame carries the count as of this commit, and is
    # sent only once it has committed (live.send_on_commit). The same frame as a batch's.
    for user_id, frame in frames.notification_frames([message]):
        live.send_on_commit(user_id, frame)


def notify_users(
    *,
    user_ids: list[int],
    text: str,
    level: str = Level.INFO,
    link: str = "",
    source_id: str | None = None,
) -> FanOut:
    """Store one message for each user (once per user and source_id) in batched inserts,
    and send each user theirs after commit. Names resolve with selectors.recipient_ids."""
    for attempt in range(FANOUT_ATTEMPTS):
        try:
            # A savepoint when the caller has a transaction (a fan-out job's step).
            with transaction.atomic():
                result, sends = bulk.fan_out(
                    user_ids, text=text, level=level, link=link, source_id=source_id
                )
                live.send_many_on_commit(sends)
            return result
        except IntegrityError:
            # The same fan-out (one source_id) running at once elsewhere stored some of
            # these rows after this one looked: look again; those are repeats now, not
            # an error (three identical requests at once all succeed, issue #19).
            if not source_id or attempt == FANOUT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


FANOUT_ATTEMPTS = 3


def notify_specs(*, specs: list[NotifySpec], cleaned: bool = False) -> list[Stored | Refused]:
    """Store each spec as bulk.notify_many does, in the caller's transaction; send after commit."""
    results, sends = bulk.notify_many(specs, cleaned=cleaned)
    for user_id, frame in sends:
        live.send_on_commit(user_id, frame)
    return results


async def notify_one(*, spec: NotifySpec) -> Stored | Refused:
    """Store one spec through the batching writer, with every other write waiting; sent
    after the batch commits. Raises Overloaded (nothing stored) when its queue is full."""
    return await submit(bulk.NOTIFY, spec)


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
    # New content: unread, unseen, back in the inbox if archived; Web Push tells of the
    # update (offline/ hears `events.UPDATED` and forgets it pushed the message).
    message.read_at = message.seen_at = message.archived_at = None
    message.snoozed_until = None
    message.save(
        update_fields=[
            "text",
            "level",
            "link",
            "read_at",
            "seen_at",
            "archived_at",
            "snoozed_until",
            "updated_at",
            *also,
        ]
    )
