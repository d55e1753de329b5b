"""Web Push: browser subscriptions, and messages pushed when no tab has read them.

Off unless the VAPID keys are set (docs/inbox.md, "Web Push"). A message is pushed once
(taken once, offline/taken.py), to the subscriptions its recipient had when it was
created, after WEBPUSH_DELAY_SECONDS during which an open tab can show it (a seen or
read message is never pushed).
"""

import base64
import binascii
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from accounts import locale
from notifications import preferences, validators
from notifications.models import Message
from offline import taken
from offline.models import Channel, PushSubscription
from offline.webpush import network as push_network

logger = logging.getLogger(__name__)

# Messages taken per run; the next run (a minute later) takes the rest.
BATCH = 100
# Older messages are left alone (after a scheduler outage, or one marked unread again
# much later): a stale burst on a phone helps nobody, and the inbox has them all.
MAX_AGE = timedelta(hours=1)
# How long the push service keeps a message for a browser that is offline.
TTL_SECONDS = 24 * 3600
# Seconds before one push service request is given up.
TIMEOUT_SECONDS = 10.0
# Push services accept about 4 KB of encrypted payload; the text is cut to fit.
MAX_PAYLOAD_BYTES = 3000
# A push service answering these has dropped the subscription for good.
GONE = {404, 410}


class InvalidSubscription(ValueError):
    """The browser sent a subscription we will not store."""


@dataclass(frozen=True)
class VapidConfig:
    public_key: str
    private_key: str
    subject: str


def vapid_config() -> VapidConfig | None:
    """The VAPID settings, or None when Web Push is off (a key unset)."""
    public = getattr(settings, "WEBPUSH_VAPID_PUBLIC_KEY", "") or ""
    private = getattr(settings, "WEBPUSH_VAPID_PRIVATE_KEY", "") or ""
    subject = getattr(settings, "WEBPUSH_VAPID_SUBJECT", "") or ""
    if not (public and private):
        return None
    if not subject.startswith(("mailto:", "https://")):
        raise ImproperlyConfigured("WEBPUSH_VAPID_SUBJECT must be a mailto: or https: URL")
    return VapidConfig(public_key=public, private_key=private, subject=subject)


def delay() -> timedelta:
    return timedelta(seconds=getattr(settings, "WEBPUSH_DELAY_SECONDS", 60))


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidSubscription("keys must be base64url") from exc


class SubscriptionTaken(InvalidSubscription):
    """The endpoint is another user's, and the request did not come from its browser."""


def _check_endpoint(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    try:
        host, port = (parts.hostname or "").lower(), parts.port or 443
    except ValueError:  # a port out of range
        raise InvalidSubscription("endpoint must be an https URL") from None
    # PostgreSQL cannot store NUL; a browser's endpoint never has spaces or controls.
    unprintable = any(c <= " " or c == "\x7f" for c in endpoint) or not validators.storable(
        endpoint
    )
    if parts.scheme != "https" or not host or len(endpoint) > 1000 or unprintable:
        raise InvalidSubscription("endpoint must be an https URL")
    # The server POSTs to this URL: keep it off addresses inside the network. Checked
    # again at send time, on the address connected to (push_network).
    try:
        push_network.public_addresses(host, port)
    except push_network.PrivateAddress:
        raise InvalidSubscription("endpoint must name a public push service host") from None


def subscribe(*, user: AbstractBaseUser, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Store this browser's subscription for `user` (a browser has one; the last user wins)."""
    _check_endpoint(endpoint)
    public = _b64url(p256dh)
    if len(public) != 65 or public[0] != 4:
        raise InvalidSubscription("p256dh must be an uncompressed P-256 point")
    if len(_b64url(auth)) != 16:
        raise InvalidSubscription("auth must be 16 bytes")
    with transaction.atomic():
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        # A browser used by several people moves to whoever subscribes it last, but only
        # with the keys it already has: knowing an endpoint alone (a URL that shows up in
        # logs) must not let anyone redirect another user's pushes.
        if existing is not None and existing.user_id != user.pk:
            same_keys = hmac.compare_digest(existing.auth, auth) and existing.p256dh == p256dh
            if not same_keys:
                logger.warning("push subscribe: user %s sent another user's endpoint", user.pk)
                raise SubscriptionTaken("this endpoint belongs to another subscription")
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "last_error": ""},
        )
    return subscription


def unsubscribe(*, user: AbstractBaseUser, endpoint: str) -> bool:
    """Forget the user's subscription at `endpoint`; False when there was none."""
    if not validators.storable(endpoint):
        return False  # PostgreSQL refuses NUL even in a query: no such row either way
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def push_unread(*, now: datetime | None = None) -> int:
    """Push each unread, unseen message older than the delay, once; return how many."""
    config = vapid_config()
    if config is None:
        return 0
    now = now or timezone.now()
    vapid = Vapid.from_string(config.private_key)
    # Only subscriptions older than the message: subscribing does not replay the backlog.
    subscribed = PushSubscription.objects.filter(
        user_id=OuterRef("recipient_id"), created_at__lte=OuterRef("created_at")
    )
    due = (
        Message.objects.unread()
        .filter(seen_at__isnull=True)
        .filter(created_at__lte=now - delay(), created_at__gt=now - delay() - MAX_AGE)
        .filter(Exists(subscribed))
    )
    due = taken.not_taken(due, channel=Channel.PUSH)
    # The recipient's preferences (level off, do not disturb), in SQL: held messages never
    # take a batch's place, and one held by do-not-disturb is pushed when it ends (if
    # still within MAX_AGE).
    due = preferences.webpush_held(due, now=now).order_by("id")[:BATCH]
    pushed = 0
    for message in list(due):
        # Claimed before sending, one at a time (a crash loses at most this one), so
        # overlapping runs never push a message twice; one read, seen or archived
        # meanwhile is skipped.
        if not taken.claim(channel=Channel.PUSH, ids=[message.pk], now=now):
            continue
        pushed += 1
        data = _payload(message)
        subscriptions = PushSubscription.objects.filter(
            user_id=message.recipient_id, created_at__lte=message.created_at
        )
        for subscription in subscriptions:
            _send(subscription, data, vapid=vapid, subject=config.subject)
    return pushed


# The system notification's title per level, in the recipient's language (sw.js shows it).
TITLES = {
    "info": gettext_lazy("Notification"),
    "success": gettext_lazy("Done"),
    "warning": gettext_lazy("Warning"),
    "error": gettext_lazy("Error"),
}


def _payload(message: Message) -> bytes:
    language, _ = locale.choices_for(message.recipient_id)
    with translation.override(locale.language_or_default(language)):
        title = gettext("Audio: %(what)s") % {"what": TITLES.get(message.level, TITLES["info"])}
    body: dict[str, Any] = {
        "id": message.pk,
        "text": message.text,
        "link": message.link,
        "level": message.level,
        "title": title,
    }
    data = json.dumps(body, ensure_ascii=False).encode()
    while len(data) > MAX_PAYLOAD_BYTES:
        body["text"] = body["text"][: len(body["text"]) * 3 // 4].rstrip() + "…"
        data = json.dumps(body, ensure_ascii=False).encode()
    return data


def _send(subscription: PushSubscription, data: bytes, *, vapid: Vapid, subject: str) -> None:
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        # Connects to public addresses only, whatever the endpoint resolves to now.
        with push_network.session() as http:
            # Fresh claims each time: pywebpush fills in "aud" from the endpoint in place.
            webpush(
                info,
                data=data,
                vapid_private_key=vapid,
                vapid_claims={"sub": subject},
                content_encoding="aes128gcm",
                ttl=TTL_SECONDS,
                timeout=TIMEOUT_SECONDS,
                requests_session=http,
            )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            logger.info("push subscription %s gone (%s): deleted", subscription.pk, status)
            subscription.delete()
            return
        _failed(subscription, " ".join(str(exc.message).split())[:500])
    except Exception as exc:  # a timeout, a refused connection, a key the service rejects
        _failed(subscription, f"{type(exc).__name__}: {exc}"[:500])
    else:
        if subscription.last_error:
            PushSubscription.objects.filter(pk=subscription.pk).update(last_error="")


def _failed(subscription: PushSubscription, error: str) -> None:
    logger.warning("push to subscription %s failed: %s", subscription.pk, error)
    PushSubscription.objects.filter(pk=subscription.pk).update(last_error=error)
