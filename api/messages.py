"""A user's own notifications: list and search, read one, mark read/unread, archive,
delete, click an action.

Thin: the schema parses, a selector reads or a service writes, the answer is mapped.
Foreign and unknown ids are skipped silently, as on the socket: nothing to probe.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, BeforeValidator, model_validator

import search
from accounts.account import settings_for
from api.auth import USER
from api.errors import ApiError
from api.schemas import USER_ERRORS, Changed, Ids, MessageId, MessageOut, UnreadCount, errors
from notifications import selectors, services
from notifications.models import MAX_ID, Level, Message, parse_ids
from notifications.validators import MAX_ACTIONS, MAX_GROUP
from threads import actions

router = Router(auth=USER, tags=["notifications"])


def parse_flag(raw: Any) -> bool:
    """A yes/no query parameter: absent, "", 0 or false is no; 1 or true is yes.

    Anything else is refused, not silently dropped (a client asking `unread=yes` must
    not get every message).
    """
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in {"", "0", "false"}:
        return False
    if isinstance(raw, str) and raw.lower() in {"1", "true"}:
        return True
    raise ValueError("must be 1, true, 0 or false")


Flag = Annotated[bool, BeforeValidator(parse_flag)]


# A day in the account's time zone (search.parse reads it).
DAY: dict[str, Any] = {"json_schema_extra": {"format": "date"}}


class ListQuery(BaseModel):  # not ninja's Schema: its getter hides the raw dict
    before: int | None = Field(None, ge=1, le=MAX_ID, description="the previous next_before")
    limit: int | None = Field(
        None, ge=1, le=selectors.MAX_PAGE_SIZE, description="default NOTIFICATIONS_PAGE_SIZE"
    )
    unread: Flag = Field(False, description="unread ones only")
    archived: Flag = Field(False, description="archived ones only")
    snoozed: Flag = Field(False, description="snoozed ones only")
    # The inbox's search and filters (search/ parses them, as for the inbox).
    q: str = Field("", max_length=search.MAX_QUERY, description="words the text contains")
    # Absent unless given; null is not a value (so the document does not offer it).
    level: Literal[tuple(Level.values)] = Field(None, description="this level only")  # type: ignore[valid-type]
    state: Literal[search.STATES] = Field(None, description="unread or read only")  # type: ignore[valid-type]
    from_: str = Field(None, alias="from", description="from this day on", **DAY)  # type: ignore[assignment]
    to: str = Field(None, description="up to this day, inclusive", **DAY)  # type: ignore[assignment]
    thread: str = Field(  # type: ignore[assignment]
        None, max_length=MAX_GROUP, description="one thread's messages (its key), one by one"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        # `?before=&limit=` is how a client says "no cursor, default size".
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != "" or k in FLAGS}
        return data


FLAGS = {"unread", "archived", "snoozed"}


class Page(Schema):
    results: list[MessageOut]
    next_before: int | None
    unread_count: int


ONE_ERRORS = {**USER_ERRORS, **errors(404)}  # one message by id: not the user's is 404


def _row(message: Message) -> dict[str, Any]:
    return {
        **message.to_payload(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
        "seen_at": message.seen_at.isoformat() if message.seen_at else None,
        "archived_at": message.archived_at.isoformat() if message.archived_at else None,
        "snoozed_until": message.snoozed_until.isoformat() if message.snoozed_until else None,
    }


def _changed(user: AbstractBaseUser, ids: list[int]) -> dict[str, Any]:
    return {"ids": ids, "unread_count": selectors.unread_count(user_id=user.pk)}


# `group`, `actions` and `acted` are left out of a message without them (MessageOut).
LISTED = {"exclude_unset": True}


@router.get("/", response={200: Page, **USER_ERRORS, **errors(400)}, url_name="list", **LISTED)
def message_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    """The user's messages, newest first, by cursor (archived and snoozed ones left out
    unless asked), searched and filtered as the inbox's search box."""
    # The setting is the default only up to the cap; an explicit limit must be in range.
    limit = query.limit or min(settings.NOTIFICATIONS_PAGE_SIZE, selectors.MAX_PAGE_SIZE)
    user_id = request.auth.pk
    params = {"q": query.q, "level": query.level, "state": query.state, "from": query.from_}
    params.update({"to": query.to, "thread": query.thread})
    try:
        filters = search.parse(
            {name: value for name, value in params.items() if value is not None},
            tz=settings_for(request.auth).time_zone,
        )
    except search.InvalidFilters as exc:
        raise ApiError(400, "invalid_query", str(exc)) from None
    page = selectors.inbox_page(
        user_id=user_id,
        before=query.before,
        limit=limit,
        unread_only=query.unread,
        archived=query.archived,
        snoozed=query.snoozed,
        filters=filters,
    )
    return {
        "results": [_row(m) for m in page.messages],
        "next_before": page.next_before,
        "unread_count": selectors.unread_count(user_id=user_id),
    }


@router.get("/unread-count/", response={200: UnreadCount, **USER_ERRORS}, url_name="unread_count")
def unread_count(request: HttpRequest) -> dict[str, Any]:
    return {"unread_count": selectors.unread_count(user_id=request.auth.pk)}


@router.get(
    "/{int:message_id}/", response={200: MessageOut, **ONE_ERRORS}, url_name="detail", **LISTED
)
def message_detail(request: HttpRequest, message_id: MessageId) -> dict[str, Any]:
    message = selectors.message_for_user(user_id=request.auth.pk, message_id=message_id)
    if message is None:
        raise ApiError(404, "not_found")
    return _row(message)


CHANGE = {200: Changed, **USER_ERRORS, **errors(400, 413)}


def _change(request: HttpRequest, payload: Ids, service: Callable[..., list[int]]) -> Any:
    ids = parse_ids(payload.ids)  # the limit as set now (NOTIFICATIONS_MAX_ACK_IDS)
    return _changed(request.auth, service(user=request.auth, ids=ids))


@router.post("/read/", response=CHANGE, url_name="mark_read")
def mark_read(request: HttpRequest, payload: Ids) -> dict[str, Any]:
    """Mark these read; every open tab of the user gets a `read` frame."""
    return _change(request, payload, services.mark_read)


@router.post("/archive/", response=CHANGE, url_name="archive")
def archive(request: HttpRequest, payload: Ids) -> dict[str, Any]:
    return _change(request, payload, services.archive)


@router.post("/unarchive/", response=CHANGE, url_name="unarchive")
def unarchive(request: HttpRequest, payload: Ids) -> dict[str, Any]:
    return _change(request, payload, services.unarchive)


@router.post("/delete/", response=CHANGE, url_name="delete")
def delete(request: HttpRequest, payload: Ids) -> dict[str, Any]:
    return _change(request, payload, services.delete)


@router.post("/read-all/", response={200: Changed, **USER_ERRORS}, url_name="mark_all_read")
def mark_all_read(request: HttpRequest) -> dict[str, Any]:
    return _changed(request.auth, services.mark_all_read(user=request.auth))


ONE = {200: Changed, **ONE_ERRORS}


def _mark_one(request: HttpRequest, message_id: MessageId, mark: Callable[..., list[int]]) -> Any:
    if not selectors.owns_message(user_id=request.auth.pk, message_id=message_id):
        raise ApiError(404, "not_found")
    return _changed(request.auth, mark(user=request.auth, ids=[message_id]))


@router.post("/{int:message_id}/read/", response=ONE, url_name="mark_one_read")
def mark_one_read(request: HttpRequest, message_id: MessageId) -> dict[str, Any]:
    return _mark_one(request, message_id, services.mark_read)


@router.post("/{int:message_id}/unread/", response=ONE, url_name="mark_one_unread")
def mark_one_unread(request: HttpRequest, message_id: MessageId) -> dict[str, Any]:
    """Unread again: the message is pushed to the user's sockets again."""
    return _mark_one(request, message_id, services.mark_unread)


class ActedOut(Schema):
    id: int
    action: int
    url: str = Field(description='the action\'s path on this site, or "" for a `post` action')
    first: bool = Field(description="false: an action of this message was clicked before")


ActionIndex = Annotated[int, Field(ge=0, le=MAX_ACTIONS - 1)]


@router.post(
    "/{int:message_id}/actions/{int:index}/",
    response={200: ActedOut, **ONE_ERRORS},
    url_name="act",
)
def act(request: HttpRequest, message_id: MessageId, index: ActionIndex) -> dict[str, Any]:
    """Record a click on action `index` of the message, once; the message is read."""
    try:
        acted = actions.act(user=request.auth, message_id=message_id, index=index)
    except actions.UnknownAction:
        raise ApiError(404, "not_found") from None
    url = acted.action.get("url", "")
    return {"id": message_id, "action": index, "url": url, "first": acted.first}
