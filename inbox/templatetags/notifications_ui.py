"""The toast stack on every page, with its settings as data attributes for client.js."""

from typing import Any

from django import template
from django.conf import settings

from notifications import selectors, validators

register = template.Library()


@register.inclusion_tag("notifications/_toasts.html", takes_context=True)
def toast_stack(context: template.Context) -> dict[str, Any]:
    """Unread messages newest first; those past the toast limit render hidden."""
    limit = settings.NOTIFICATIONS_TOAST_LIMIT
    # Oldest first from the selector (toast order of the sync frame): newest goes on top.
    messages = list(reversed(context.get("unread_messages") or []))
    # A SimpleLazyObject from the context processor: it proxies str(), not int().
    total = int(str(context.get("unread_total") or 0))
    user_id = context["user"].pk
    quiet = selectors.quiet_ids(messages, user_id=user_id) if messages else set()
    return {
        "messages": [(m, m.pk in quiet) for m in messages],
        "limit": limit,
        "more": max(0, total - min(len(messages), limit)),
        "sync_limit": settings.NOTIFICATIONS_SYNC_LIMIT,
        # The most ids one ack or seen frame may carry: the server refuses more.
        "max_ack_ids": settings.NOTIFICATIONS_MAX_ACK_IDS,
        "hide_after": settings.NOTIFICATIONS_TOAST_HIDE_SECONDS,
        "burst_count": settings.NOTIFICATIONS_BURST_COUNT,
        "burst_window": settings.NOTIFICATIONS_BURST_WINDOW,
        # Names the lock and channel the user's tabs share one socket through (leader.js).
        "user_id": user_id,
    }


@register.filter
def safe_link(link: str) -> str:
    """The link if the service would store it now, else "": rows older than the check,
    or written around it, must not render as a link off the site or to a script."""
    return link if validators.is_safe_link(link) else ""


@register.filter
def split_words(value: str) -> list[str]:
    """A template's literal list: "a b c" -> ["a", "b", "c"]."""
    return value.split()
