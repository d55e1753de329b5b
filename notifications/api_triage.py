"""The JSON API's snooze and unsnooze (docs/api.md, "Snooze"), beside notifications/api.py
and with its authentication (session + CSRF, or a bearer token), errors and answers."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from notifications import selectors
from notifications import snooze as snoozing
from notifications.api import _changed, _json_body, api_view, error
from notifications.models import parse_ids
from notifications.snooze_times import CHOICES, InvalidSnooze, checked, until_for, zone_for
from notifications.views_triage import user_zone


def parse_until(user: AbstractBaseUser, body: dict) -> datetime:
    """`until`: a choice of the inbox's menu ("1h", "evening", "tomorrow", "next-week", in
    the account's zone, else `tz`, else the site's) or an ISO 8601 time (without an offset:
    in that same zone); InvalidSnooze otherwise."""
    until, tz = body.get("until"), body.get("tz", "")
    if not isinstance(until, str) or not isinstance(tz, str):
        raise InvalidSnooze("'until' and 'tz' must be strings")
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


@api_view("POST")
def snooze(request: HttpRequest) -> JsonResponse:
    user = request.api_user
    try:
        body = _json_body(request)
        ids = parse_ids(body.get("ids"))
        until = parse_until(user, body)
        changed = snoozing.snooze(user=user, ids=ids, until=until)
    except ValueError as exc:  # InvalidSnooze is one
        return error(400, "invalid_body", str(exc))
    count = selectors.unread_count(user_id=user.pk)
    return JsonResponse({"ids": changed, "unread_count": count, "until": until.isoformat()})


@api_view("POST")
def unsnooze(request: HttpRequest) -> JsonResponse:
    try:
        ids = parse_ids(_json_body(request).get("ids"))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    return _changed(request.api_user, snoozing.unsnooze(user=request.api_user, ids=ids))
