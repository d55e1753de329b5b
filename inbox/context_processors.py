from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from notifications import preferences, selectors


def _quiet_until(user_id: int):
    snapshot = preferences.snapshot_for(user_id)
    return snapshot.quiet_until if snapshot.is_quiet(timezone.now()) else None


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unread messages for the page's first render, read lazily."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_messages": SimpleLazyObject(lambda: selectors.unread_messages(user_id=user.pk)),
        "unread_total": SimpleLazyObject(lambda: selectors.unread_count(user_id=user.pk)),
        "sync_limit": settings.NOTIFICATIONS_SYNC_LIMIT,
        # Do not disturb, for the header's indicator: read only by pages that render it.
        "quiet_until": SimpleLazyObject(lambda: _quiet_until(user.pk) or ""),
    }
