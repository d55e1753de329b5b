"""The JSON API of threads and actions (docs/api.md, "Threads" and "Actions").

In a module of its own, with its own routes (`urlpatterns`, mounted under /api/ by
api_urls.py), on the API's auth helpers: `api_view` for a user's own threads and clicks
(bearer, or session + CSRF), the service token for producers. Thin: parse, call, map.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from notifications import actions, follows, threads, validators
from notifications.api import (
    _json_body,
    _service_refusal,
    _unavailable,
    api_view,
    error,
    too_large,
)
from notifications.validators import InvalidNotification


def _key(value: Any) -> str:
    """The `thread` a body or query names; ValueError unless a valid, non-empty key."""
    try:
        key = validators.clean_group(value) if isinstance(value, str) else None
    except InvalidNotification as exc:
        raise ValueError(str(exc)) from None
    if not key:
        raise ValueError("'thread' must be a thread key (1 to 100 printable ASCII, no spaces)")
    return key


# --- a user's own threads -------------------------------------------------------------
WRITES = {
    "follow": threads.follow,
    "unfollow": threads.unfollow,
    "mute": threads.mute,
    "unmute": threads.unmute,
}


@api_view("GET")
def thread_state(request: HttpRequest) -> JsonResponse:
    """GET /api/threads/?thread=KEY: {"key", "following", "muted"} for the user."""
    try:
        key = _key(request.GET.get("thread"))
    except ValueError as exc:
        return error(400, "invalid_query", str(exc))
    return JsonResponse(follows.follow_state(user_id=request.api_user.pk, key=key))


@api_view("POST")
def thread_write(request: HttpRequest, verb: str) -> JsonResponse:
    """POST /api/threads/{follow,unfollow,mute,unmute}/ {"thread": KEY}: the new state."""
    try:
        key = _key(_json_body(request).get("thread"))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    WRITES[verb](user=request.api_user, key=key)
    return JsonResponse(follows.follow_state(user_id=request.api_user.pk, key=key))


@api_view("POST")
def act(request: HttpRequest, message_id: int, index: int) -> JsonResponse:
    """POST /api/notifications/<id>/actions/<index>/: record the click (once)."""
    try:
        acted = actions.act(user=request.api_user, message_id=message_id, index=index)
    except actions.UnknownAction:
        return error(404, "not_found")
    return JsonResponse(
        {
            "id": message_id,
            "action": index,
            "url": acted.action.get("url", ""),
            "first": acted.first,
        }
    )


# --- producers (the service token) -----------------------------------------------------
def _service_body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    refused = _service_refusal(request, "POST")
    if refused is not None:
        return refused
    try:
        return _json_body(request)
    except RequestDataTooBig:
        return too_large()
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))


def _active_user(name: Any) -> Any:
    if not isinstance(name, str) or not validators.storable(name):
        raise ValueError("'user' must be a username")
    user = get_user_model()._default_manager.filter(username=name, is_active=True).first()
    if user is None:
        raise LookupError(name)
    return user


@csrf_exempt  # the service token alone; no ambient credential
def notify_followers(request: HttpRequest) -> JsonResponse:
    """POST /api/threads/notify/: one message in the thread for each of its followers."""
    body = _service_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        key = _key(body.get("thread"))
        text, level, link = body.get("text"), body.get("level", "info"), body.get("link", "")
        source_id = body.get("source_id")
        if not all(isinstance(v, str) for v in (text, level, link)):
            raise ValueError("'text', 'level' and 'link' must be strings")
        if source_id is not None and not (
            isinstance(source_id, str)
            and 0 < len(source_id) <= 255
            and validators.storable(source_id)
        ):
            raise ValueError("'source_id' must be a string of 1 to 255 characters")
        exclude = _active_user(body["exclude"]).pk if "exclude" in body else None
        result = threads.notify_followers(
            key=key, text=text, level=level, link=link, source_id=source_id, exclude=exclude
        )
    except LookupError as exc:
        return error(404, "unknown_user", f"unknown or inactive user {str(exc)[:150]!r}")
    except InvalidNotification as exc:
        return error(400, "invalid_notification", str(exc))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"recipients": result.recipients, "created": result.created}, status=201)


@csrf_exempt  # the service token alone; no ambient credential
def add_follower(request: HttpRequest) -> JsonResponse:
    """POST /api/threads/followers/ {"thread", "user"}: the user follows (they created it)."""
    body = _service_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        key = _key(body.get("thread"))
        user = _active_user(body.get("user"))
        threads.follow(user=user, key=key)
    except LookupError as exc:
        return error(404, "unknown_user", f"unknown or inactive user {str(exc)[:150]!r}")
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse(follows.follow_state(user_id=user.pk, key=key))


urlpatterns = [
    path("threads/", thread_state, name="thread"),
    path("threads/notify/", notify_followers, name="thread_notify"),
    path("threads/followers/", add_follower, name="thread_followers"),
    *(
        path(f"threads/{verb}/", thread_write, {"verb": verb}, name=f"thread_{verb}")
        for verb in WRITES
    ),
    path("notifications/<int:message_id>/actions/<int:index>/", act, name="act"),
]
