"""Who is calling: a user (bearer token, or the session cookie with CSRF) or a service.

A request that sends an `Authorization` header is judged by that header alone: a bad
token is never replaced by the session cookie, as on the socket. Browsers never attach
that header on their own, so bearer requests need no CSRF token; session requests that
change something do. The classes double as the OpenAPI document's security schemes.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie, HttpBearer

from accounts.auth import bearer_token, secret_matches, token_for_bearer
from api.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class UserToken(HttpBearer):
    """`Authorization: Bearer <personal token>` (manage.py create_token)."""

    openapi_description = "A personal API token: `python manage.py create_token USERNAME`."

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return None  # no header: the session may still authenticate
        # TooManyFailures propagates: api.errors answers 429 with Retry-After.
        found = token_for_bearer(token, address=_address(request))
        if found is None or found.user is None:
            raise ApiError(401, "unauthenticated", "unknown or revoked token", logged=False)
        return found.user

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        raise NotImplementedError  # __call__ does it all (any scheme counts as a header)


class Session(APIKeyCookie):
    """The session cookie of a logged-in user; unsafe methods need `X-CSRFToken`."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "Browser code on this site; send the csrftoken cookie as X-CSRFToken."

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, answered with the API's own JSON error

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            raise ApiError(401, "unauthenticated", "log in or send a bearer token")
        if request.method not in SAFE_METHODS and not _csrf_passes(request):
            reason = "send the CSRF token (X-CSRFToken header) from a page of this site"
            raise ApiError(403, "csrf_failed", reason)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        raise NotImplementedError


def _csrf_passes(request: HttpRequest) -> bool:
    """Django's own CSRF check, through the middleware's public hooks (its answer is an HTML
    403 page, which the API replaces with JSON)."""
    check = CsrfViewMiddleware(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(request)
    return check.process_view(request, None, (), {}) is None  # type: ignore[arg-type]


class ServiceToken(HttpBearer):
    """`Authorization: Bearer $NOTIFY_SERVICE_TOKEN`: server-to-server notify only.

    Async, so the async notify endpoint checks it without a thread hop (no database).
    """

    openapi_description = "The shared secret NOTIFY_SERVICE_TOKEN (server to server)."

    async def __call__(self, request: HttpRequest) -> Any:  # type: ignore[override]
        expected = settings.NOTIFY_SERVICE_TOKEN
        if not expected:
            raise ApiError(404, "not_found")  # disabled: look like no endpoint at all
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise ApiError(401, "unauthenticated", "send the service token as a bearer token")
        # Constant time, and a failure limit per address (logged once per window, not per try).
        if not secret_matches(token, expected, address=_address(request)):
            raise ApiError(403, "forbidden", logged=False)
        return "service"

    async def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        raise NotImplementedError


# Tried in this order: a bearer header decides alone; without one, the session.
USER = [UserToken(), Session()]
SERVICE = ServiceToken()
