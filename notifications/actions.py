"""A notification's actions: up to two buttons, each a same-site link or a POST back to
the producer through the outbound webhook (docs/inbox.md, "Actions").

`clean_actions` (pure) decides what is stored: the writers call it before every write.
`act` records a click.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import live
from notifications import events, frames, selectors
from notifications.models import Message, is_id
from notifications.validators import InvalidNotification, clean_link

MAX_ACTIONS = 2
MAX_LABEL = 40
# The producer's name for what the button does, sent back in the `message.interacted` event.
_POST = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def clean_actions(value: Any) -> list[dict[str, str]]:
    """The actions to store: a list of 0-2 `{"label", "url"}` (a path on this site) or
    `{"label", "post"}` (an id for the producer); InvalidNotification otherwise."""
    if value is None or value == []:
        return []
    if not isinstance(value, list) or len(value) > MAX_ACTIONS:
        raise InvalidNotification(f"actions must be a list of at most {MAX_ACTIONS}")
    cleaned = []
    for action in value:
        if not isinstance(action, dict) or set(action) not in ({"label", "url"}, {"label", "post"}):
            raise InvalidNotification('each action is {"label", "url"} or {"label", "post"}')
        label = action["label"].strip() if isinstance(action["label"], str) else ""
        if not label or len(label) > MAX_LABEL or not label.isprintable():
            raise InvalidNotification(f"an action's label is 1 to {MAX_LABEL} printable characters")
        if "url" in action:
            try:
                url = clean_link(action["url"]) if isinstance(action["url"], str) else ""
            except InvalidNotification:
                url = ""
            # Same site only: a button is not the place for another host.
            if not url.startswith("/"):
                raise InvalidNotification("an action's url must be a path on this site")
            cleaned.append({"label": label, "url": url})
        else:
            post = action["post"]
            if not isinstance(post, str) or not _POST.fullmatch(post):
                raise InvalidNotification("an action's post is 1 to 64 of A-Z a-z 0-9 _ . : -")
            cleaned.append({"label": label, "post": post})
    return cleaned


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
