import hashlib
import secrets
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, hash_token
from notifications import events

# Control events for the notification sockets: a socket never outlives its credential.
SESSION_ENDED = "session.ended"
TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an event name
CREDENTIALS_CHANGED = "credentials.changed"


def session_fingerprint(session_key: str | None) -> str:
    """What crosses the channel layer instead of a session key."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


def token_create(*, user: AbstractBaseUser, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    return token, raw


def tokens_revoke(*, tokens: list[ApiToken]) -> None:
    """Revoke tokens and close the sockets opened with them."""
    active = [t for t in tokens if t.revoked_at is None]
    ApiToken.objects.filter(pk__in=[t.pk for t in active]).update(revoked_at=timezone.now())
    for token in active:
        token_ended(token=token)


def token_ended(*, token: ApiToken) -> None:
    """The token was revoked or deleted: close the sockets opened with it, after commit."""
    event = {"type": TOKEN_REVOKED, "token_id": token.pk}
    transaction.on_commit(partial(events.signal_user, token.user_id, event), robust=True)


def session_ended(*, user: AbstractBaseUser, session_key: str | None) -> None:
    """A session was logged out: close the sockets that it opened."""
    event = {"type": SESSION_ENDED, "session": session_fingerprint(session_key)}
    transaction.on_commit(partial(events.signal_user, user.pk, event), robust=True)


def credentials_changed(*, user: AbstractBaseUser) -> None:
    """The password changed: sockets of sessions no longer valid must close."""
    event = {"type": CREDENTIALS_CHANGED}
    transaction.on_commit(partial(events.signal_user, user.pk, event), robust=True)
