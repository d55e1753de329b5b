"""The writers of accounts: API tokens. Ending a credential is announced as a signal
(accounts.signals), which the socket side (consumers.credentials) turns into closes."""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from accounts import signals
from accounts.models import ApiToken, hash_token


def create_token(*, user: AbstractBaseUser, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    return token, raw


def revoke_tokens(*, tokens: list[ApiToken]) -> None:
    """Revoke tokens; whatever was opened with them is closed (signals.token_ended)."""
    active = [t for t in tokens if t.revoked_at is None]
    ApiToken.objects.filter(pk__in=[t.pk for t in active]).update(revoked_at=timezone.now())
    for token in active:
        signals.token_ended.send(sender=ApiToken, token=token)
