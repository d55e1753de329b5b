"""Snooze and unsnooze a user's messages (docs/api.md; docs/inbox.md, "Snooze").

Mounted under /api/notifications/ beside messages.py, with its authentication and answers.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router

from accounts.account import user_zone
from api.auth import USER
from api.errors import ApiError
from api.schemas import USER_ERRORS, Changed, DateTime, Ids, errors
from notifications import selectors
from notifications.models import parse_ids
from snooze import services as snoozing
from snooze.times import CHOICES, InvalidSnooze, checked, until_for, zone_for

router = Router(auth=USER, tags=["notifications"])


class SnoozeIn(Ids):
    until: str = Field(
        max_length=64,
        description=f"one of {', '.join(CHOICES)}, or an ISO 8601 time (no offset: in the zone)",
        json_schema_extra={"examples": ["tomorrow", "2026-12-24T09:00:00+01:00"]},
    )
    tz: str = Field("", max_length=100, description="an IANA zone, if the account has none")


class Snoozed(Changed):
    until: DateTime


def parse_until(user: AbstractBaseUser, until: str, tz: str) -> datetime:
    """`until`: a choice of the inbox's menu ("1h", "evening", "tomorrow", "next-week", in
    the account's zone, else `tz`, else the site's) or an ISO 8601 time (without an offset:
    in that same zone); InvalidSnooze otherwise."""
    zone = user_zone(user, tz)
    now = timezone.now()
    if until in CHOICES:
        return until_for(until, now=now, tz=zone)
    try:
        value = datetime.fromisoformat(until)
    except ValueError:
        raise InvalidSnooze(
            f"'until' must be one of {', '.join(CHOICES)} or an ISO 8601 time"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone_for(zone))
    return checked(value, now=now)


CHANGE = {**USER_ERRORS, **errors(400, 413)}


@router.post("/snooze/", response={200: Snoozed, **CHANGE}, url_name="snooze")
def snooze(request: HttpRequest, payload: SnoozeIn) -> dict[str, Any]:
    """Out of the default list and the unread count until then; tabs get `snoozed`."""
    user = request.auth
    try:
        until = parse_until(user, payload.until, payload.tz)
    except InvalidSnooze as exc:
        raise ApiError(400, "invalid_body", str(exc)) from None
    changed = snoozing.snooze(user=user, ids=parse_ids(payload.ids), until=until)
    count = selectors.unread_count(user_id=user.pk)
    return {"ids": changed, "unread_count": count, "until": until.isoformat()}


@router.post("/unsnooze/", response={200: Changed, **CHANGE}, url_name="unsnooze")
def unsnooze(request: HttpRequest, payload: Ids) -> dict[str, Any]:
    """Back now, unread, without a toast."""
    changed = snoozing.unsnooze(user=request.auth, ids=parse_ids(payload.ids))
    return {"ids": changed, "unread_count": selectors.unread_count(user_id=request.auth.pk)}
