"""Every answer of the API is JSON, errors included: `{"error": code, "detail": text}`.

django-ninja's own answers (422 validation errors, its 400 for a body that is not JSON,
its plain-text 405) are mapped here to the codes docs/api.md has always promised.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from accounts.auth import TooManyFailures

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """Raised by an endpoint or an authenticator; answered as `error(status, code, detail)`."""

    def __init__(
        self, status: int, code: str, detail: str = "", *, logged: bool = True, **headers: str
    ) -> None:
        super().__init__(detail or code)
        self.status, self.code, self.detail = status, code, detail
        self.logged, self.headers = logged, headers


def error(status: int, code: str, detail: str = "") -> JsonResponse:
    body = {"error": code, **({"detail": detail} if detail else {})}
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def unlogged(response: JsonResponse) -> JsonResponse:
    """A refused bearer token: accounts.auth logs these once per address and window;
    Django would log each one at WARNING, one line per guess."""
    response._has_been_logged = True  # type: ignore[attr-defined] - django.utils.log
    return response


def _api_error(request: HttpRequest, exc: ApiError) -> JsonResponse:
    response = error(exc.status, exc.code, exc.detail)
    for name, value in exc.headers.items():
        response[name.replace("_", "-")] = value
    return response if exc.logged else unlogged(response)


def _too_many_failures(request: HttpRequest, exc: TooManyFailures) -> JsonResponse:
    response = unlogged(error(429, "too_many_failures", str(exc)))
    response["Retry-After"] = str(exc.retry_after)
    return response


def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error(413, "too_large", f"the body is limited to {limit} bytes")


def unavailable(exc: Exception) -> JsonResponse:
    """503 with Retry-After: the writer is full or the database is down; nothing was stored."""
    logger.warning("API: refused with 503 (%s)", type(exc).__name__)
    response = error(503, "unavailable", "try again later")
    response["Retry-After"] = str(settings.NOTIFICATIONS_RETRY_AFTER)
    return response


def _invalid(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    """A parameter the schema refuses: `invalid_query` or `invalid_body`, never ninja's 422."""
    first: dict[str, Any] = exc.errors[0] if exc.errors else {}
    where, *field = first.get("loc") or ("body",)
    name = ".".join(str(part) for part in field if part != "payload")
    detail = f"'{name}': {first.get('msg', 'invalid')}" if name else first.get("msg", "")
    if where == "path":  # an id out of range names no message: nothing to probe
        return error(404, "not_found")
    return error(400, "invalid_query" if where == "query" else "invalid_body", detail)


def _http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    # ninja raises its HttpError(400) for a body it cannot parse: not JSON, or nested
    # deeper than the parser's stack ("[[[[..."); other statuses keep their number.
    if exc.status_code == 400:
        return error(400, "invalid_body", "the body is not valid JSON")
    if exc.status_code == 401:
        return error(401, "unauthenticated", "log in or send a bearer token")
    return error(exc.status_code, "error", str(exc))


def _database_error(request: HttpRequest, exc: DatabaseError) -> JsonResponse:
    return unavailable(exc)


def install(api: NinjaAPI) -> None:
    """Answer every failure of `api` with the JSON error docs/api.md describes."""
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(TooManyFailures, _too_many_failures)
    api.add_exception_handler(RequestDataTooBig, _too_large)
    api.add_exception_handler(DatabaseError, _database_error)
    api.add_exception_handler(ValidationError, _invalid)
    api.add_exception_handler(HttpError, _http_error)
