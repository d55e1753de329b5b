"""The inbox's snooze and unsnooze actions (docs/inbox.md, "Snooze"). Thin, as views.py:
parse, call one service, map; JSON to scripts, a redirect back to plain forms."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.account import user_zone
from inbox import inbox_threads
from inbox.views import _done
from notifications.models import parse_ids
from snooze import services as snoozing
from snooze.times import InvalidSnooze, until_for


def parse_until(user: AbstractBaseUser, params: dict[str, str]) -> datetime:
    """The end of the snooze a request asks for (`until`: a choice, or "at" with `at`);
    InvalidSnooze otherwise."""
    return until_for(
        params.get("until", ""),
        now=timezone.now(),
        tz=user_zone(user, params.get("tz", "")),
        at=params.get("at", ""),
    )


def _ids(request: HttpRequest) -> list[int] | None:
    try:
        return parse_ids([int(raw) for raw in request.POST.getlist("ids")])
    except ValueError:
        return None


def _invalid(detail: str) -> JsonResponse:
    return JsonResponse({"error": "invalid_body", "detail": detail}, status=400)


@require_POST
@login_required
def snooze(request: HttpRequest) -> HttpResponse:
    """Snooze the selected messages (`ids`) until `until`; foreign and unknown ids are
    skipped. A bad time is a 400 that says why, for a form post too."""
    ids = _ids(request)
    if ids is None:
        return _invalid("1 or more message ids")
    try:
        until = parse_until(request.user, request.POST.dict())
        # A thread's row snoozes the whole thread, as its read and archive do.
        ids = inbox_threads.expand(user_id=request.user.pk, ids=ids)
        changed = snoozing.snooze(user=request.user, ids=ids, until=until)
    except InvalidSnooze as exc:
        # A person reads this one (the snooze menu shows it): the page's language.
        return _invalid(str(exc.page_text))
    return _done(request, changed)


@require_POST
@login_required
def unsnooze(request: HttpRequest) -> HttpResponse:
    """Bring the selected snoozed messages back to the inbox now, unread."""
    ids = _ids(request)
    if ids is None:
        return _invalid("1 or more message ids")
    ids = inbox_threads.expand(user_id=request.user.pk, ids=ids)
    return _done(request, snoozing.unsnooze(user=request.user, ids=ids))
