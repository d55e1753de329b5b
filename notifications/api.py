"""The JSON API for clients without a socket (docs/api.md). Thin: auth, parse, call, map.

Two ways in: the session cookie (browser code; unsafe methods need the CSRF token) or
`Authorization: Bearer <token>` (scripts, apps; no CSRF check, since a browser never
attaches that header on its own). POST /api/notify/ takes the service token instead.
"""

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts.account import settings_for
from accounts.auth import TooManyFailures, bearer_token, secret_matches, token_for_bearer
from notifications import (
    bulk,
    fanout_jobs,
    preferences,
    search,
    selectors,
    services,
    userdata,
    validators,
    writer,
)
from notifications.models import Message, parse_ids
from notifications.views import parse_cursor

logger = logging.getLogger(__name__)

View = Callable[..., JsonResponse]


def error(status: int, code: str, detail: str = "") -> JsonResponse:
    body = {"error": code, **({"detail": detail} if detail else {})}
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def too_many_failures(exc: TooManyFailures) -> JsonResponse:
    response = error(429, "too_many_failures", str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return unlogged(response)


def too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error(413, "too_large", f"the body is limited to {limit} bytes")


def unlogged(response: JsonResponse) -> JsonResponse:
    """A refused bearer token: accounts.auth logs these once per address and window;
    Django would log each one at WARNING, one line per guess."""
    response._has_been_logged = True  # type: ignore[attr-defined] - django.utils.log
    return response


def _csrf_failure(request: HttpRequest) -> str | None:
    """Why Django's CSRF check refuses this request, or None when it passes.

    Only the middleware's public hooks: its answer is a response (Django's 403 page),
    which the API replaces with its own JSON error.
    """
    check = CsrfViewMiddleware(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(request)
    if check.process_view(request, None, (), {}) is None:  # type: ignore[arg-type]
        return None
    return "send the CSRF token (X-CSRFToken header) from a page of this site"


def _bearer(request: HttpRequest) -> str | None:
    return bearer_token(request.headers.get("Authorization"))


def api_view(*methods: str) -> Callable[[View], View]:
    """Allow `methods`, authenticate (bearer or session + CSRF), set `request.api_user`."""

    def decorate(view: View) -> View:
        @csrf_exempt  # checked below for session requests only
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            # Every answer of the API is JSON: a body past DATA_UPLOAD_MAX_MEMORY_SIZE and
            # a database outage too (Django would answer its HTML 400 page, or a 500).
            try:
                return authenticated(request, *args, **kwargs)
            except RequestDataTooBig:
                return too_large()
            except DatabaseError as exc:
                return _unavailable(exc)

        def authenticated(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                response = error(405, "method_not_allowed")
                response["Allow"] = ", ".join(methods)
                return response
            token = _bearer(request)
            if token is not None:
                # A bad token is never replaced by the session cookie, as on the socket.
                try:
                    found = token_for_bearer(token, address=request.META.get("REMOTE_ADDR"))
                except TooManyFailures as exc:
                    return too_many_failures(exc)
                user = found.user if found else None
                if user is None:
                    return unlogged(error(401, "unauthenticated", "unknown or revoked token"))
            else:
                user = request.user
                if not user.is_authenticated:
                    return error(401, "unauthenticated", "log in or send a bearer token")
                if request.method not in {"GET", "HEAD", "OPTIONS"}:
                    reason = _csrf_failure(request)
                    if reason:
                        return error(403, "csrf_failed", reason)
            request.api_user = user
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _row(message: Message) -> dict[str, Any]:
    return {
        **message.to_payload(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
        "seen_at": message.seen_at.isoformat() if message.seen_at else None,
        "archived_at": message.archived_at.isoformat() if message.archived_at else None,
        "snoozed_until": message.snoozed_until.isoformat() if message.snoozed_until else None,
    }


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than the parser's stack ("[[[[...").
        raise ValueError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _changed(user: AbstractBaseUser, ids: list[int]) -> JsonResponse:
    return JsonResponse({"ids": ids, "unread_count": selectors.unread_count(user_id=user.pk)})


def parse_flag(raw: str | None) -> bool:
    """A yes/no query parameter: absent, "", 0 or false is no; 1 or true is yes.

    Anything else raises ValueError: a filter the server does not understand is refused,
    not silently dropped (a client asking `unread=yes` must not get every message).
    """
    if raw is None or raw.lower() in {"", "0", "false"}:
        return False
    if raw.lower() in {"1", "true"}:
        return True
    raise ValueError(raw)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/ that names no endpoint: JSON like every other API answer."""
    return error(404, "not_found", "no such endpoint")


# --- a user's own notifications -------------------------------------------------------
@api_view("GET")
def message_list(request: HttpRequest) -> JsonResponse:
    try:
        before = parse_cursor(request.GET.get("before"))
        # The setting is the default only up to the cap; an explicit limit must be in range.
        default = min(settings.NOTIFICATIONS_PAGE_SIZE, selectors.MAX_PAGE_SIZE)
        raw_limit = request.GET.get("limit") or str(default)
        limit = int(raw_limit)
        if not 1 <= limit <= selectors.MAX_PAGE_SIZE:
            raise ValueError(raw_limit)
        unread_only = parse_flag(request.GET.get("unread"))
        archived = parse_flag(request.GET.get("archived"))
        snoozed = parse_flag(request.GET.get("snoozed"))
        # The inbox's search and filters, the same parameters (notifications/search.py).
        filters = search.parse(request.GET, tz=settings_for(request.api_user).time_zone)
    except search.InvalidFilters as exc:
        return error(400, "invalid_query", str(exc))
    except ValueError:
        return error(
            400,
            "invalid_query",
            f"'before' must be a message id, 'limit' 1 to {selectors.MAX_PAGE_SIZE}"
            " and 'unread', 'archived' and 'snoozed' 1, true, 0 or false",
        )
    user = request.api_user
    page = selectors.inbox_page(
        user_id=user.pk,
        before=before,
        limit=limit,
        unread_only=unread_only,
        archived=archived,
        snoozed=snoozed,
        filters=filters,
    )
    return JsonResponse(
        {
            "results": [_row(m) for m in page.messages],
            "next_before": page.next_before,
            "unread_count": selectors.unread_count(user_id=user.pk),
        }
    )


@api_view("GET")
def message_detail(request: HttpRequest, message_id: int) -> JsonResponse:
    message = selectors.message_for_user(user_id=request.api_user.pk, message_id=message_id)
    if message is None:
        return error(404, "not_found")
    return JsonResponse(_row(message))


@api_view("POST")
def mark_read(request: HttpRequest) -> JsonResponse:
    try:
        ids = parse_ids(_json_body(request).get("ids"))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    # Foreign and unknown ids are skipped silently, as on the socket: nothing to probe.
    return _changed(request.api_user, services.mark_read(user=request.api_user, ids=ids))


def _change(request: HttpRequest, service: Callable[..., list[int]]) -> JsonResponse:
    try:
        ids = parse_ids(_json_body(request).get("ids"))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    return _changed(request.api_user, service(user=request.api_user, ids=ids))


@api_view("POST")
def archive(request: HttpRequest) -> JsonResponse:
    return _change(request, services.archive)


@api_view("POST")
def unarchive(request: HttpRequest) -> JsonResponse:
    return _change(request, services.unarchive)


@api_view("POST")
def delete(request: HttpRequest) -> JsonResponse:
    return _change(request, services.delete)


@api_view("POST")
def mark_one(request: HttpRequest, message_id: int, state: str) -> JsonResponse:
    user = request.api_user
    if not selectors.owns_message(user_id=user.pk, message_id=message_id):
        return error(404, "not_found")
    mark = services.mark_read if state == "read" else services.mark_unread
    return _changed(user, mark(user=user, ids=[message_id]))


@api_view("POST")
def mark_all_read(request: HttpRequest) -> JsonResponse:
    return _changed(request.api_user, services.mark_all_read(user=request.api_user))


@api_view("GET")
def unread_count(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"unread_count": selectors.unread_count(user_id=request.api_user.pk)})


# --- server to server -----------------------------------------------------------------
@csrf_exempt  # authenticated by the service token alone; no ambient credential
async def notify(request: HttpRequest) -> JsonResponse:
    """Async: the message is written by the batching writer with every other one waiting."""
    refused = _service_refusal(request, "POST")
    if refused is not None:
        return refused
    try:
        body = _json_body(request)
    except RequestDataTooBig:
        return too_large()
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    try:
        text, level, link = body.get("text"), body.get("level", "info"), body.get("link", "")
        source_id = body.get("source_id")
        if not all(isinstance(v, str) for v in (text, level, link)):
            raise ValueError("'text', 'level' and 'link' must be strings")
        if source_id is not None and not (isinstance(source_id, str) and 0 < len(source_id) <= 255):
            raise ValueError("'source_id' must be a string of 1 to 255 characters")
        targets = _recipients(body)
        names = [body["user"]] if targets is None else targets.get("usernames", [])
        names += [targets["group"]] if targets and "group" in targets else []
        # Looked up or stored as they are: PostgreSQL refuses NUL in a query parameter.
        if not all(validators.storable(v) for v in (*names, source_id or "")):
            raise ValueError("names and 'source_id' must not contain NUL or lone surrogates")
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    if targets is not None:
        return await _notify_many(targets, text, level, link, source_id)
    username = body["user"]
    spec = bulk.NotifySpec(
        username=username, text=text, level=level, link=link, source_id=source_id
    )
    try:
        result = await writer.submit(bulk.NOTIFY, spec)
    except (writer.Overloaded, DatabaseError) as exc:
        return _unavailable(exc)
    if isinstance(result, bulk.Refused):
        status = 404 if result.code == "unknown_user" else 400
        return error(status, result.code, "" if status == 404 else result.detail)
    return JsonResponse({"id": result.message_id}, status=201)


def _service_refusal(request: HttpRequest, method: str) -> JsonResponse | None:
    """Why a server-to-server request is refused (the service token), or None."""
    expected = settings.NOTIFY_SERVICE_TOKEN
    if not expected:
        return error(404, "not_found")  # disabled: look like no endpoint at all
    if request.method != method:
        response = error(405, "method_not_allowed")
        response["Allow"] = method
        return response
    token = _bearer(request)
    if token is None:
        return error(401, "unauthenticated", "send the service token as a bearer token")
    # Constant time, and a failure limit per address (logged once per window, not per try).
    try:
        if not secret_matches(token, expected, address=request.META.get("REMOTE_ADDR")):
            return unlogged(error(403, "forbidden"))
    except TooManyFailures as exc:
        return too_many_failures(exc)
    return None


def _accepted(job: Any) -> JsonResponse:
    url = reverse("api:notify_job", args=[job.pk])
    response = JsonResponse({**fanout_jobs.status(job), "status_url": url}, status=202)
    response["Location"] = url
    return response


def notify_job(request: HttpRequest, job_id: int) -> JsonResponse:
    """GET /api/notify/jobs/<id>/: a large fan-out's progress (the service token)."""
    refused = _service_refusal(request, "GET")
    if refused is not None:
        return refused
    try:
        job = selectors.fanout_job(job_id=job_id)
    except DatabaseError as exc:
        return _unavailable(exc)
    if job is None:
        return error(404, "not_found")
    return JsonResponse(fanout_jobs.status(job))


def _unavailable(exc: Exception) -> JsonResponse:
    """503 with Retry-After: the writer is full or the database is down; nothing was stored."""
    logger.warning("API: refused with 503 (%s)", type(exc).__name__)
    response = error(503, "unavailable", "try again later")
    response["Retry-After"] = str(settings.NOTIFICATIONS_RETRY_AFTER)
    return response


MAX_NOTIFY_USERS = 10_000
_TARGETS = ("user", "users", "all", "group")


def _recipients(body: dict[str, Any]) -> dict[str, Any] | None:
    """The fan-out a notify body names (kwargs of selectors.recipient_ids), or None for
    the single `user` form; ValueError unless exactly one of the four forms is given."""
    given = [key for key in _TARGETS if key in body]
    if len(given) != 1:
        raise ValueError("give exactly one of 'user', 'users', 'all' or 'group'")
    key, value = given[0], body[given[0]]
    if key == "user":
        if not isinstance(value, str):
            raise ValueError("'user' must be a string")
        return None
    if key == "users":
        if not (
            isinstance(value, list)
            and 1 <= len(value) <= MAX_NOTIFY_USERS
            and all(isinstance(v, str) for v in value)
        ):
            raise ValueError(f"'users' must be a list of 1 to {MAX_NOTIFY_USERS} usernames")
        return {"usernames": value}
    if key == "all":
        if value is not True:
            raise ValueError("'all' must be true")
        return {"all_active": True}
    if not (isinstance(value, str) and 0 < len(value) <= 150):
        raise ValueError("'group' must be a group name")
    return {"group": value}


async def _notify_many(
    targets: dict[str, Any], text: str, level: str, link: str, source_id: str | None
) -> JsonResponse:
    # Up to NOTIFY_FANOUT_INLINE_MAX recipients: written now, in its own thread (chunked
    # inserts), not through the batching writer, whose batches are for many small jobs.
    # More: accepted as a job (202 and a status URL), written in steps elsewhere.
    try:
        if "usernames" in targets:  # every name must be known: 404 before anything
            user_ids = await database_sync_to_async(selectors.recipient_ids)(**targets)
            size = len(user_ids)
        else:
            size = await database_sync_to_async(fanout_jobs.count)(targets)
            user_ids = None
        if size > settings.NOTIFY_FANOUT_INLINE_MAX:
            job = await database_sync_to_async(fanout_jobs.accept)(
                targets=targets,
                recipients=size,
                text=text,
                level=level,
                link=link,
                source_id=source_id,
            )
            return _accepted(job)
        if user_ids is None:
            user_ids = await database_sync_to_async(selectors.recipient_ids)(**targets)
        result = await database_sync_to_async(services.notify_users)(
            user_ids=user_ids, text=text, level=level, link=link, source_id=source_id
        )
    except selectors.UnknownRecipients as exc:
        code = "unknown_group" if "group" in targets else "unknown_user"
        return error(404, code, str(exc))
    except services.InvalidNotification as exc:
        return error(400, "invalid_notification", str(exc))
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"recipients": result.recipients, "created": result.created}, status=201)


# --- preferences (docs/api.md, "Preferences") -------------------------------------------
@api_view("GET", "PATCH")
def preferences_detail(request: HttpRequest) -> JsonResponse:
    user = request.api_user
    if request.method == "GET":
        return JsonResponse(preferences.snapshot_for(user.pk).to_json())
    try:
        snapshot = preferences.update_preferences(user=user, changes=_json_body(request))
    except ValueError as exc:  # InvalidPreferences, or a body that is not a JSON object
        return error(400, "invalid_body", str(exc))
    return JsonResponse(snapshot.to_json())


@api_view("POST")
def preferences_quiet(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        choice, tz = body.get("for"), body.get("tz", "")
        if not isinstance(choice, str) or not isinstance(tz, str) or len(tz) > 100:
            raise preferences.InvalidPreferences(
                f"'for' must be one of {', '.join(preferences.QUIET_FOR)}, 'tz' a zone name"
            )
        snapshot = preferences.set_quiet(user=request.api_user, choice=choice, tz=tz)
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    return JsonResponse(snapshot.to_json())


# --- a user's data (docs/api.md, "Your data") -------------------------------------------
@api_view("GET")
def export_data(request: HttpRequest) -> JsonResponse:
    """Every message (archived too), the preferences and Web Push subscriptions, as a download."""
    response = JsonResponse(userdata.export(user=request.api_user))
    response["Content-Disposition"] = (
        f'attachment; filename="notifications-{request.api_user.pk}.json"'
    )
    return response


@api_view("DELETE")
def erase_messages(request: HttpRequest) -> JsonResponse:
    """Delete every message of the user and the unread counter; open sockets are told."""
    try:
        erased = userdata.erase(user=request.api_user)
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"erased": erased, "unread_count": 0})
