"""Archive, unarchive, delete: the user tidying their inbox.

Each changes the user's own messages among the ids given (the recipient is in the
statement's filter: foreign and unknown ids are silent no-ops) and sends its frame to
every socket of the user after commit.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import live
from notifications import events, frames, selectors
from notifications.models import Message
from notifications.services.ids import int_ids


def archive(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Hide the user's own messages among `ids` from the default inbox (kept, no longer
    unread); returns the ids changed and sends `archived` to every socket of the user."""
    wanted = int_ids(ids)
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
            live.send_on_commit(user.pk, frames.archived_frame(changed, count))
    return changed


def unarchive(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Bring the user's own archived messages among `ids` back; returns the ids changed.

    Sends a `notification` frame (quiet: `toast: false`) for each one that is unread
    again, so clients that predate archiving show it again and count it, then one
    `unarchived` frame with every id.
    """
    wanted = int_ids(ids)
    if not wanted:
        return []
    with transaction.atomic():
        changed = Message.objects.set_returning_ids(
            values={"archived_at": None}, owners={user.pk: wanted}, null={"archived_at": False}
        )
        if changed:
            events.changed(events.UNARCHIVED, {user.pk: changed})
            count = selectors.unread_count(user_id=user.pk)
            unread = list(Message.objects.filter(id__in=changed).unread())
            for user_id, frame in frames.notification_frames(unread, quiet=True):
                live.send_on_commit(user_id, frame)
            live.send_on_commit(user.pk, frames.unarchived_frame(changed, count))
    return changed


def delete(*, user: AbstractBaseUser, ids: Iterable[int]) -> list[int]:
    """Delete the user's own messages among `ids`; returns the ids deleted and sends
    `deleted` to every socket of the user. Foreign and unknown ids are ignored."""
    wanted = int_ids(ids)
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
            live.send_on_commit(user.pk, frames.deleted_frame(changed, count))
    return changed
