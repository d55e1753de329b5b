from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.auth import TooManyFailures, bearer_token, token_for_bearer


def _bearer(scope: dict[str, Any]) -> str | None:
    """The bearer token of the handshake (accounts.auth.bearer_token)."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return bearer_token(value.decode("latin1"))
    return None


class TokenOrSessionAuthMiddleware:
    """Sets scope["user"] from a bearer token when one is sent, else from the session.

    A token that is sent but invalid gives AnonymousUser: it never falls back to cookies.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(inner)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = _bearer(scope)
        if raw is None:
            return await self.session_auth(scope, receive, send)
        address = (scope.get("client") or [None])[0]
        throttled = False
        try:
            token = await database_sync_to_async(token_for_bearer)(raw, address=address)
        except TooManyFailures:
            token, throttled = None, True
        scope = dict(
            scope,
            user=token.user if token else AnonymousUser(),
            auth_token_id=token.pk if token else None,
            # The consumer closes with 4429 (retry later), not 4401 (give up).
            auth_throttled=throttled,
        )
        return await self.inner(scope, receive, send)
