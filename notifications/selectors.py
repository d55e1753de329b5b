"""Read-only queries for views, the consumer and the context processor."""

from typing import Any

from django.conf import settings

from notifications.models import Message


def unread_count(*, user_id: int) -> int:
    return Message.objects.for_user(user_id).unread().count()


def unread_messages(*, user_id: int, limit: int | None = None) -> list[Message]:
    """The newest `limit` unread messages, returned oldest first (toast order)."""
    limit = limit or settings.NOTIFICATIONS_SYNC_LIMIT
    newest = Message.objects.for_user(user_id).unread().order_by("-id")[:limit]
    return list(reversed(newest))


def sync_frame(*, user_id: int) -> dict[str, Any]:
    """The `sync` frame: the unread set (capped) and the true unread total."""
    return {
        "type": "sync",
        "unread": [m.to_payload() for m in unread_messages(user_id=user_id)],
        "unread_count": unread_count(user_id=user_id),
    }


def owns_message(*, user_id: int, message_id: int) -> bool:
    return Message.objects.for_user(user_id).filter(pk=message_id).exists()
