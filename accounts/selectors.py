from django.contrib.auth.models import AbstractBaseUser

from accounts.models import ApiToken, hash_token


def token_for_raw(raw: str) -> ApiToken | None:
    """The active token with this value, of an active user, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def token_is_usable(token_id: int) -> bool:
    """The token exists, is not revoked, and its user is active."""
    return ApiToken.objects.filter(
        pk=token_id, revoked_at__isnull=True, user__is_active=True
    ).exists()


def user_for_token(raw: str) -> AbstractBaseUser | None:
    """The active user behind an active token, or None."""
    token = token_for_raw(raw)
    return token.user if token else None
