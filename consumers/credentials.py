"""A socket never outlives its credential: an ended credential becomes a control event.

Receivers of accounts' signals (and Django's `user_logged_out`) that tell the user's
sockets, after commit, to close or re-check; the consumer handles each event type.
"""

import hashlib
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete
from django.dispatch import receiver

import live
from accounts.signals import credentials_changed, token_ended


def session_fingerprint(session_key: str | None) -> str:
    """What crosses the channel layer instead of a session key."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and request is not None:
        fingerprint = session_fingerprint(request.session.session_key)
        live.signal_on_commit(user.pk, live.SESSION_ENDED, session=fingerprint)


@receiver(token_ended)
def on_token_ended(sender: Any, token: Any, **kwargs: Any) -> None:
    live.signal_on_commit(token.user_id, live.TOKEN_REVOKED, token_id=token.pk)


@receiver(credentials_changed)
def on_credentials_changed(sender: Any, user: Any, **kwargs: Any) -> None:
    live.signal_on_commit(user.pk, live.CREDENTIALS_CHANGED)


@receiver(post_delete, sender=Session)
def on_session_delete(sender: Any, instance: Session, **kwargs: Any) -> None:
    """A session row deleted without a logout: a login that flushes the previous user's
    session (signing up another account in the same browser), a key cycled, an expired
    session removed by `clearsessions`, the admin. Its sockets close (4401)."""
    try:
        user_id = int(instance.get_decoded().get(SESSION_KEY, ""))
    except (ValueError, TypeError):
        return  # an anonymous session: no socket was authenticated by it
    fingerprint = session_fingerprint(instance.session_key)
    live.signal_on_commit(user_id, live.SESSION_ENDED, session=fingerprint)
