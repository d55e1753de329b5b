from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie

from accounts.auth import TooManyFailures, bearer_token, token_for_bearer
from accounts.sessions import session_users
from consumers.readers import readers
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


async def _session_user(session_key: str | None) -> tuple[Any, Any]:
    # On a socket reader (consumers/readers.py): its held connection, no pool check-out,
    # read with the other handshakes of this turn of the loop.
    return await readers.run_each(session_users, session_key)


async def _token_for_bearer(raw: str, *, address: str | None) -> Any:
    return await readers.run(token_for_bearer, raw, address=address)


class TokenOrSessionAuthMiddleware:
    """Sets scope["user"] from a bearer token when one is sent, else from the session.

    A token that is sent but invalid gives AnonymousUser: it never falls back to cookies.
    A handshake that is not authenticated is refused here, before the consumer asks the
    channel layer (Redis) for a channel: one without any credential before the database
    is asked too. One call on a socket reader either way (session and user, or token and
    user).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if not has_credentials(scope):
            return await refuse(receive, send, CLOSE_UNAUTHORIZED)
        raw = _bearer(scope)
        if raw is None:
            cookie = _header(scope, b"cookie") or b""
            key = parse_cookie(cookie.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
            session, user = await _session_user(key)
            if not user.is_authenticated:
                return await refuse(receive, send, CLOSE_UNAUTHORIZED)
            return await self.inner(dict(scope, session=session, user=user), receive, send)
        address = (scope.get("client") or [None])[0]
        try:
            token = await _token_for_bearer(raw, address=address)
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
