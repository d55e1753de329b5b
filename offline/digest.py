"""Email: one digest per user of the messages left unread (docs/inbox.md, "Email").

The model is Web Push's (offline/webpush): a message still unread and unseen
NOTIFICATIONS_EMAIL_DELAY_SECONDS after it was created is taken once (offline/taken.py),
by a run of `manage.py email_unread`. Every message a run takes for one user goes into
one email, with a signed one-click unsubscribe link (RFC 8058) that needs no login
(offline/views.py).
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts import locale
from notifications import preferences, validators
from notifications.models import Message
from offline import taken
from offline.models import Channel

logger = logging.getLogger(__name__)

# Messages taken per run; the next run takes the rest.
BATCH = 500
# Older messages are left alone: after a scheduler outage or a long do-not-disturb, a
# day-old digest helps nobody, and the inbox has them all.
MAX_AGE = timedelta(days=1)
# The salt of every unsubscribe link ever sent: it names the module's former home, and
# changing it would break those links.
UNSUBSCRIBE_SALT = "notifications.digest.unsubscribe"


def delay() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS)


def absolute(path: str) -> str:
    """`path` on the public site (SITE_URL); absolute URLs pass through unchanged."""
    return urljoin(settings.SITE_URL + "/", path)


def unsubscribe_token(user_id: int) -> str:
    """A signed, URL-safe token naming `user_id`; it never expires (old emails keep working)."""
    # Signer, not dumps(): no timestamp, so one user's link is the same in every email.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(user_id)


def user_for_token(token: str) -> int | None:
    """The user id a token names, or None when the signature is wrong."""
    try:
        user_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def unsubscribe_url(user_id: int) -> str:
    token = unsubscribe_token(user_id)
    return absolute(reverse("notifications:email_unsubscribe", args=[token]))


def why_nothing(*, now: datetime) -> str:
    """Why a run emailed nothing: the first of `due`'s conditions that no message meets."""
    messages = Message.objects.unread()
    waited = preferences.email_delay_text()
    steps = [
        ("no message is unread", messages),
        (
            f"no unread message is older than NOTIFICATIONS_EMAIL_DELAY_SECONDS ({waited})",
            messages := messages.filter(created_at__lte=now - delay()),
        ),
        (
            "the unread messages are more than a day old (never emailed)",
            messages := messages.filter(created_at__gt=now - delay() - MAX_AGE),
        ),
        (
            "every due message was seen in an open tab",
            messages := messages.filter(seen_at__isnull=True),
        ),
        (
            "every due message was emailed already",
            messages := taken.not_taken(messages, channel=Channel.EMAIL),
        ),
        (
            "their users have no email address (set on the account page, /accounts/)",
            messages := messages.filter(
                Exists(
                    get_user_model()
                    .objects.filter(pk=OuterRef("recipient_id"), is_active=True)
                    .exclude(email="")
                )
            ),
        ),
        (
            "their users turned email off or are in do not disturb",
            preferences.email_held(messages, now=now),
        ),
    ]
    for reason, remaining in steps:
        if not remaining.exists():
            return reason
    return "the mail server could not be reached, or another run sent them (see the log)"


def due(*, now: datetime) -> list[Message]:
    """Messages to email now, oldest first: unread, unseen, not emailed, wanted."""
    users = get_user_model().objects.filter(pk=OuterRef("recipient_id"), is_active=True)
    messages = (
        Message.objects.unread()
        .filter(seen_at__isnull=True)
        .filter(created_at__lte=now - delay(), created_at__gt=now - delay() - MAX_AGE)
        .filter(Exists(users.exclude(email="")))
    )
    messages = taken.not_taken(messages, channel=Channel.EMAIL)
    messages = preferences.email_held(messages, now=now)
    return list(messages.select_related("recipient").order_by("id")[:BATCH])


def _claim(messages: list[Message], *, now: datetime) -> list[Message]:
    """Take `messages` for email, those still unread, unseen and not taken by another run."""
    claimed = set(taken.claim(channel=Channel.EMAIL, ids=[m.pk for m in messages], now=now))
    return [m for m in messages if m.pk in claimed]


def _unclaim(messages: list[Message]) -> None:
    taken.give_back(channel=Channel.EMAIL, ids=[m.pk for m in messages])


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks, U+2028 included) as one space:
    Django refuses a header with a line break when the email is sent, not when built."""
    return " ".join(text.split())


def compose(user: AbstractBaseUser, messages: list[Message]) -> EmailMultiAlternatives:
    """The digest email for `user` (text and HTML), with RFC 8058 unsubscribe headers,
    in the user's language and time zone (the site's defaults when they chose none)."""
    language, zone_name = locale.choices_for(user.pk)
    with (
        translation.override(locale.language_or_default(language)),
        timezone.override(locale.zone(zone_name)),
    ):
        return _compose(user, messages)


def _compose(user: AbstractBaseUser, messages: list[Message]) -> EmailMultiAlternatives:
    link = unsubscribe_url(user.pk)
    context = {
        "user": user,
        # A stored link that is not safe now (a row older than the check, or written
        # around it: `javascript:`) is shown as text, as the inbox does.
        "messages": [
            {"m": m, "url": absolute(m.link) if validators.is_safe_link(m.link) else ""}
            for m in messages
        ],
        "inbox_url": absolute(reverse("notifications:inbox")),
        "preferences_url": absolute(reverse("notifications:preferences")),
        "unsubscribe_url": link,
        "delay": preferences.email_delay_text(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    count = len(messages)
    subject = (
        one_line(messages[0].text)[:120]
        if count == 1
        else ngettext("%(n)d unread notification", "%(n)d unread notifications", count)
        % {"n": count}
    )
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("offline/email/digest.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            # One click in the mail client: it POSTs "List-Unsubscribe=One-Click" to the link.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(render_to_string("offline/email/digest.html", context), "text/html")
    return email


def email_unread(*, now: datetime | None = None) -> int:
    """Email each user one digest of their due messages, each message once; return how many."""
    now = now or timezone.now()
    messages = due(now=now)
    if not messages:
        return 0
    connection = get_connection()
    try:
        # Opened before anything is claimed: an unreachable server leaves every message
        # for the next run instead of losing it.
        connection.open()
    except Exception as exc:  # refused, timed out, bad credentials
        logger.warning("email digest: cannot reach the mail server: %s", exc)
        return 0
    by_user: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_user[message.recipient_id].append(message)
    sent = 0
    try:
        for batch in by_user.values():
            claimed = _claim(batch, now=now)
            if not claimed:
                continue
            user = claimed[0].recipient
            try:
                connection.send_messages([compose(user, claimed)])
            except Exception as exc:
                # Marked emailed only once sent: the claim is given back, and the next run
                # tries again (until the message is read, seen or a day old). The claim
                # first keeps two overlapping runs from sending one message twice.
                logger.warning("email digest to user %s failed: %s", user.pk, exc)
                _unclaim(claimed)
                continue
            sent += len(claimed)
    finally:
        connection.close()
    return sent
