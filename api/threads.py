"""Threads (docs/api.md, "Threads and actions"): a user's own follow and mute, and the
producers' calls (the service token) that add a follower and notify a thread's followers.

Thin: the schema parses the key, a service writes, `follows.follow_state` answers.
"""

from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, field_validator

from api.auth import SERVICE, USER
from api.errors import ApiError
from api.schemas import USER_ERRORS, StrictIn, errors
from notifications import follows, validators
from notifications.models import Level
from notifications.validators import MAX_GROUP, InvalidNotification
from threads import services as threads

router = Router(auth=USER, tags=["threads"])


def _key(value: str) -> str:
    try:
        key = validators.clean_group(value)
    except InvalidNotification as exc:
        raise ValueError(str(exc)) from None
    if not key:
        raise ValueError("a thread key is required")
    return key


Key = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_GROUP,
        pattern=r"^[!-~]+$",
        description="a thread key: printable ASCII, no spaces (a message's `group`)",
    ),
    AfterValidator(_key),
]


class ThreadIn(StrictIn):
    thread: Key


class ThreadQuery(Schema):
    thread: Key


class State(Schema):
    key: str
    following: bool
    muted: bool


def _state(user_id: int, key: str) -> dict[str, Any]:
    return follows.follow_state(user_id=user_id, key=key)


WRITE = {200: State, **USER_ERRORS, **errors(400, 413)}


@router.get("/", response={200: State, **USER_ERRORS, **errors(400)}, url_name="thread")
def thread_state(request: HttpRequest, query: Query[ThreadQuery]) -> dict[str, Any]:
    """Whether the user follows and has muted the thread."""
    return _state(request.auth.pk, query.thread)


@router.post("/follow/", response=WRITE, url_name="thread_follow")
def thread_follow(request: HttpRequest, payload: ThreadIn) -> dict[str, Any]:
    threads.follow(user=request.auth, key=payload.thread)
    return _state(request.auth.pk, payload.thread)


@router.post("/unfollow/", response=WRITE, url_name="thread_unfollow")
def thread_unfollow(request: HttpRequest, payload: ThreadIn) -> dict[str, Any]:
    """Stop following: `notify_followers` leaves the user out."""
    threads.unfollow(user=request.auth, key=payload.thread)
    return _state(request.auth.pk, payload.thread)


@router.post("/mute/", response=WRITE, url_name="thread_mute")
def thread_mute(request: HttpRequest, payload: ThreadIn) -> dict[str, Any]:
    """No toast, Web Push or email for it; still listed and counted; tabs get `muted`."""
    threads.mute(user=request.auth, key=payload.thread)
    return _state(request.auth.pk, payload.thread)


@router.post("/unmute/", response=WRITE, url_name="thread_unmute")
def thread_unmute(request: HttpRequest, payload: ThreadIn) -> dict[str, Any]:
    threads.unmute(user=request.auth, key=payload.thread)
    return _state(request.auth.pk, payload.thread)


# --- producers (the service token) -----------------------------------------------------
Username = Annotated[str, Field(min_length=1, max_length=150)]


class Storable(StrictIn):
    @field_validator("user", "exclude", "source_id", check_fields=False)
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        # Looked up or stored as they are: PostgreSQL refuses NUL in a query parameter.
        if value is not None and not validators.storable(value):
            raise ValueError("must not contain NUL or lone surrogates")
        return value


class FollowerIn(Storable):
    thread: Key
    user: Username


class FollowersNotifyIn(Storable):
    thread: Key
    text: str
    level: str = Field(Level.INFO.value, json_schema_extra={"enum": Level.values})
    link: str = Field("", description='"" or a path on this site or an http(s) URL')
    source_id: str = Field(  # type: ignore[assignment] - absent unless given, never null
        None, min_length=1, max_length=255, description="repeats notify no follower twice"
    )
    exclude: Username = Field(  # type: ignore[assignment]
        None, description="a username left out (the one who caused it)"
    )


class Notified(Schema):
    recipients: int
    created: int


PRODUCER_ERRORS = errors(400, 401, 403, 404, 413, 429, 503)


def _active_user(name: str) -> AbstractBaseUser:
    user = get_user_model()._default_manager.filter(username=name, is_active=True).first()
    if user is None:
        raise ApiError(404, "unknown_user", f"unknown or inactive user {name[:150]!r}")
    return user


@router.post(
    "/followers/",
    auth=SERVICE,
    response={200: State, **PRODUCER_ERRORS},
    url_name="thread_followers",
)
def add_follower(request: HttpRequest, payload: FollowerIn) -> dict[str, Any]:
    """The user follows the thread (e.g. they created what it is about)."""
    user = _active_user(payload.user)
    threads.follow(user=user, key=payload.thread)
    return _state(user.pk, payload.thread)


@router.post(
    "/notify/",
    auth=SERVICE,
    response={201: Notified, **PRODUCER_ERRORS},
    url_name="thread_notify",
)
def notify_followers(request: HttpRequest, payload: FollowersNotifyIn) -> Any:
    """One message in the thread for each active follower but `exclude`; once per
    follower and `source_id`."""
    exclude = _active_user(payload.exclude).pk if payload.exclude is not None else None
    try:
        result = threads.notify_followers(
            key=payload.thread,
            text=payload.text,
            level=payload.level,
            link=payload.link,
            source_id=payload.source_id,
            exclude=exclude,
        )
    except InvalidNotification as exc:
        raise ApiError(400, "invalid_notification", str(exc)) from None
    return Status(201, {"recipients": result.recipients, "created": result.created})
