"""Server to server: POST /api/notify/ with the service token, and a fan-out job's progress.

Async: one message is written by the batching writer with every other one waiting; a
fan-out up to NOTIFY_FANOUT_INLINE_MAX recipients is written now in its own thread
(chunked inserts, not the writer, whose batches are for many small jobs); more is
accepted as a job (202 and a status URL) and written in steps elsewhere.
"""

from typing import Annotated, Any, Literal

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from pydantic import field_validator, model_validator

from api.auth import SERVICE
from api.errors import ApiError, unavailable
from api.schemas import StrictIn, errors
from fanout import jobs as fanout_jobs
from notifications import selectors, services, validators
from notifications.models import MAX_ID, Level
from notifications.validators import MAX_ACTIONS, MAX_GROUP

router = Router(auth=SERVICE, tags=["notify"])

MAX_NOTIFY_USERS = 10_000
TARGETS = ("user", "users", "all", "group")


class NotifyIn(StrictIn):
    """One message for `user`, or one each for exactly one of `users`, `all`, `group`."""

    # Absent unless given; null is not a value (so the document does not offer it).
    user: str = None  # type: ignore[assignment]
    users: list[str] = Field(None, min_length=1, max_length=MAX_NOTIFY_USERS)
    # A bool (strict: 1 is not true), and only true: Literal[True] would take 1 == True.
    all: bool = Field(None, json_schema_extra={"enum": [True]})
    group: str = Field(None, min_length=1, max_length=150)
    text: str
    level: str = Field(Level.INFO.value, json_schema_extra={"enum": Level.values})
    link: str = Field("", description='"" or a path on this site or an http(s) URL')
    source_id: str | None = Field(
        None, min_length=1, max_length=255, description="repeats return the first message"
    )
    # For one `user`. Any JSON here: the writer checks them (a bad one is
    # `invalid_notification`, docs/api.md); the document says what is valid.
    thread: Any = Field(
        None,
        description="a thread key (the message's `group`): printable ASCII, no spaces",
        json_schema_extra={"type": "string", "minLength": 1, "maxLength": MAX_GROUP},
    )
    actions: Any = Field(
        None,
        description='up to two of {"label", "url"} (a path on this site) or {"label", "post"}',
        json_schema_extra={"type": "array", "maxItems": MAX_ACTIONS, "items": {"type": "object"}},
    )

    @model_validator(mode="after")
    def _one_target(self) -> "NotifyIn":
        given = [key for key in TARGETS if key in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of 'user', 'users', 'all' or 'group'")
        if given == ["all"] and self.all is not True:
            raise ValueError("'all' must be true")
        if given != ["user"] and {"thread", "actions"} & self.model_fields_set:
            raise ValueError("'thread' and 'actions' are for one 'user' (docs/api.md, Threads)")
        return self

    @field_validator("user", "group", "source_id")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        # Looked up or stored as they are: PostgreSQL refuses NUL in a query parameter.
        if value is not None and not validators.storable(value):
            raise ValueError("must not contain NUL or lone surrogates")
        return value

    @field_validator("users")
    @classmethod
    def _storable_names(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not all(map(validators.storable, value)):
            raise ValueError("names must not contain NUL or lone surrogates")
        return value


class Created(Schema):
    id: int


class CreatedMany(Schema):
    recipients: int
    created: int


class Job(Schema):
    id: int
    status: Literal["pending", "running", "done"]
    recipients: int
    processed: int
    created: int


class Accepted(Job):
    status_url: str


SERVICE_ERRORS = errors(401, 403, 404, 429, 503)


@router.post(
    "/",
    response={201: Created | CreatedMany, 202: Accepted, **SERVICE_ERRORS, **errors(400, 413)},
    url_name="notify",
)
async def notify(request: HttpRequest, payload: NotifyIn, response: HttpResponse) -> Any:
    """Notify a user by username, or many users; idempotent on `source_id` per recipient."""
    if payload.user is None:
        return await _notify_many(payload, response)
    spec = services.NotifySpec(
        username=payload.user,
        text=payload.text,
        level=payload.level,
        link=payload.link,
        source_id=payload.source_id,
        group=payload.thread if payload.thread is not None else "",
        actions=payload.actions,  # checked by the writer
    )
    try:
        result = await services.notify_one(spec=spec)
    except services.Overloaded as exc:
        return unavailable(exc)
    if isinstance(result, services.Refused):
        if result.code == "unknown_user":
            raise ApiError(404, result.code)
        raise ApiError(400, result.code, result.detail)
    return Status(201, {"id": result.message_id})


def _targets(payload: NotifyIn) -> dict[str, Any]:
    """The fan-out as keyword arguments of selectors.recipient_ids."""
    if payload.users is not None:
        return {"usernames": payload.users}
    if payload.group is not None:
        return {"group": payload.group}
    return {"all_active": True}


async def _notify_many(payload: NotifyIn, response: HttpResponse) -> Any:
    targets = _targets(payload)
    content = {
        "text": payload.text,
        "level": payload.level,
        "link": payload.link,
        "source_id": payload.source_id,
    }
    try:
        if "usernames" in targets:  # every name must be known: 404 before anything
            user_ids = await database_sync_to_async(selectors.recipient_ids)(**targets)
            size = len(user_ids)
        else:
            size = await database_sync_to_async(fanout_jobs.count)(targets)
            user_ids = None
        if size > settings.NOTIFY_FANOUT_INLINE_MAX:
            job = await database_sync_to_async(fanout_jobs.accept)(
                targets=targets, recipients=size, **content
            )
            url = reverse("api:notify_job", args=[job.pk])
            response["Location"] = url
            return Status(202, {**fanout_jobs.status(job), "status_url": url})
        if user_ids is None:
            user_ids = await database_sync_to_async(selectors.recipient_ids)(**targets)
        result = await database_sync_to_async(services.notify_users)(user_ids=user_ids, **content)
    except selectors.UnknownRecipients as exc:
        code = "unknown_group" if "group" in targets else "unknown_user"
        raise ApiError(404, code, str(exc)) from None
    except services.InvalidNotification as exc:
        raise ApiError(400, "invalid_notification", str(exc)) from None
    return Status(201, {"recipients": result.recipients, "created": result.created})


@router.get("/jobs/{int:job_id}/", response={200: Job, **SERVICE_ERRORS}, url_name="notify_job")
async def notify_job(request: HttpRequest, job_id: Annotated[int, Field(ge=1, le=MAX_ID)]) -> Any:
    """A large fan-out's progress."""
    job = await database_sync_to_async(fanout_jobs.job)(job_id=job_id)
    if job is None:
        raise ApiError(404, "not_found")
    return fanout_jobs.status(job)
