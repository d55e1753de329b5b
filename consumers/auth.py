from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings

from accounts.auth import TooManyFailures, bearer_token, token_for_bearer
from consumers.refusal import CLOSE_RATE_LIMITED, CLOSE_UNAUTHORIZED, refuse


def _header(scope: dict[str, Any], wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value
    return None


def _bearer(scope: dict[str, Any]) -> str | None:
    """The bearer token of the handshake (accounts.auth.bearer_token)."""
    value = _header(scope, b"authorization")
    return None if value is None else bearer_token(value.decode("latin1"))


def has_credentials(scope: dict[str, Any]) -> bool:
    """The handshake carries a bearer token or a session cookie: worth looking up.

    A substring test on purpose: a false "yes" only costs the lookup it would cost anyway.
    """
    if _header(scope, b"authorization") is not None:
        return True
    cookie = _header(scope, b"cookie")
    return cookie is not None and settings.SESSION_COOKIE_NAME.encode() + b"=" in cookie


class TokenOrSessionAuthMiddleware:
    """Sets scope["user"] from a bearer token when one is sent, else from the session.

    A token that is sent but invalid gives AnonymousUser: it never falls back to cookies.
    A handshake that is not authenticated is refused here, before the consumer asks the
    channel layer (Redis) for a channel: one without any credential before the database
    is asked too.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(RefuseAnonymous(inner))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if not has_credentials(scope):
            return await refuse(receive, send, CLOSE_UNAUTHORIZED)
        raw = _bearer(scope)
        if raw is None:
            return await self.session_auth(scope, receive, send)
        address = (scope.get("client") or [None])[0]
        try:
            token = await database_sync_to_async(token_for_bearer)(raw, address=address)
        except TooManyFailures:
            return await refuse(
                receive,
                send,
                CLOSE_RATE_LIMITED,
                error="too_many_failures",
                detail="too many failed tokens from this address; retry later",
            )
        if token is None:
            return await refuse(receive, send, CLOSE_UNAUTHORIZED)
        scope = dict(scope, user=token.user, auth_token_id=token.pk)
        return await self.inner(scope, receive, send)


class RefuseAnonymous:
    """Inside the session stack: the session named no logged-in user, so 4401 at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            return await refuse(receive, send, CLOSE_UNAUTHORIZED)
        return await self.inner(scope, receive, send)
