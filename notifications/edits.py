"""Changing a message after it was sent (the admin's change form): one validated write.

A message's content changes through here or through `services.notify` only, so what a
user can be shown is always checked by `validators.clean` and always pushed live.
"""

from functools import partial

from django.db import transaction

from notifications import events, selectors
from notifications.models import Message
from notifications.validators import clean


def message_edit(*, message_id: int, text: str, level: str, link: str) -> Message:
    """Change a message's text, level and link; it is unread again, and pushed after commit.

    Raises validators.InvalidNotification (nothing saved) for what notify would refuse.
    """
    text, level, link = clean(text, level, link)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.text, message.level, message.link = text, level, link
        # New content is news, as for a collapsed update in notify: unread, unseen, and
        # Web Push may tell of it again.
        message.read_at = message.seen_at = message.pushed_at = None
        message.save(
            update_fields=["text", "level", "link", "read_at", "seen_at", "pushed_at", "updated_at"]
        )
        transaction.on_commit(partial(_push, message.pk), robust=True)
    return message


def _push(message_id: int) -> None:
    # Read at push time: an edit made after this one must not be overtaken by this push.
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return
    events.push_to_user(
        message.recipient_id,
        {
            "type": "notification",
            "message": message.to_payload(),
            "unread_count": selectors.unread_count(user_id=message.recipient_id),
        },
    )
