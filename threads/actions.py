"""A click on one of a notification's actions: up to two buttons, each a same-site link
or a POST back to the producer through the outbound webhook (docs/inbox.md, "Actions").

`act` records the click. What may be stored is `notifications.validators.clean_actions`
(pure), which the writers call before every write.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import live
from notifications import events, frames, selectors
from notifications.models import Message, is_id


class UnknownAction(LookupError):
    """No such message of the user's, or no action with that index on it."""


@dataclass(frozen=True)
class Acted:
    action: dict[str, str]  # the one clicked, as stored
    first: bool  # False: this message's action was clicked before; nothing changed


def act(*, user: AbstractBaseUser, message_id: int, index: int) -> Acted:
    """Record the user's click on action `index` of their own message (once per message):
    the message is read, every tab gets `read` and `interacted`, and a `message.interacted`
    event (with the action) goes out through the outbound webhooks, which is how a
    `post` action reaches its producer. Raises UnknownAction."""
    with transaction.atomic():
        message = (
            Message.objects.for_user(user.pk).select_for_update().filter(pk=message_id).first()
            if is_id(message_id)
            else None
        )
        if message is None or not 0 <= index < len(message.actions or []):
            raise UnknownAction(message_id)
        action = message.actions[index]
        if message.acted_at is not None:
            return Acted(action, first=False)
        now = timezone.now()
        message.acted_at, message.acted = now, index
        fields = ["acted_at", "acted"]
        was_unread = message.read_at is None and message.archived_at is None
        if message.read_at is None:
            message.read_at = now
            fields.append("read_at")
        message.save(update_fields=fields)
        events.acted(message, index)
        count = selectors.unread_count(user_id=user.pk)
        if was_unread:  # clients that predate actions still see it read
            events.changed(events.READ, {user.pk: [message.pk]})
            live.send_on_commit(user.pk, frames.read_frame([message.pk], count))
        live.send_on_commit(user.pk, frames.interacted_frame(message.pk, index, count))
    return Acted(action, first=True)
