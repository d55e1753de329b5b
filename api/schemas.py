"""The shapes several endpoints share; each resource module declares its own beside it.

Request schemas are strict (an id is an integer, not "1" nor true) and carry the same
bounds the services enforce, so the OpenAPI document tells a client the truth.
"""

from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict

from notifications.models import MAX_ID

# Date-times are the ISO 8601 strings the socket sends too (datetime.isoformat()).
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
MessageId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class Error(Schema):
    """Every error: a code from docs/api.md and, where it helps, a sentence."""

    error: str
    detail: str | None = None


class StrictIn(Schema):
    """A request body: no coercion ("1" is not 1, true is not 1)."""

    model_config = ConfigDict(strict=True)


class Ids(StrictIn):
    ids: list[MessageId] = Field(min_length=1, max_length=settings.NOTIFICATIONS_MAX_ACK_IDS)


class Action(Schema):
    """A button (notifications/validators.py `clean_actions`): a path on this site, or a
    `post` to the producer."""

    label: str
    url: str = None  # type: ignore[assignment] - one of url and post, never null
    post: str = None  # type: ignore[assignment]


class MessageOut(Schema):
    """The protocol's message object plus its read, seen, archived and snoozed times.

    `group`, `actions` and `acted` only when the message has them (answered with
    `exclude_unset`: absent, never null, as on the socket)."""

    id: int
    text: str
    level: str
    link: str
    created_at: DateTime
    read_at: DateTime | None
    seen_at: DateTime | None
    archived_at: DateTime | None
    snoozed_until: DateTime | None
    group: str = Field(None, description="its thread key")  # type: ignore[assignment]
    actions: list[Action] = None  # type: ignore[assignment]
    acted: int = Field(None, description="the index of the action clicked")  # type: ignore[assignment]


class Changed(Schema):
    """The ids a change touched (unknown, foreign or unchanged ones left out)."""

    ids: list[int]
    unread_count: int


class UnreadCount(Schema):
    unread_count: int


def errors(*statuses: int) -> dict[int, Any]:
    """`{status: Error}` for an operation's `response=`: the failures it can answer."""
    return dict.fromkeys(statuses, Error)


# What every user endpoint can answer: no or a bad credential, CSRF, the failure limit,
# the database down.
USER_ERRORS = errors(401, 403, 429, 503)
