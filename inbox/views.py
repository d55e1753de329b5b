"""The inbox page and its actions. Thin: parse, call one service or selector, map.

The actions answer JSON to scripts (the socket-down fallback in client.js, inbox.js) and
redirect back when a plain HTML form posts them with `next`, so the inbox works without
JavaScript.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

import search
from accounts.account import settings_for
from accounts.throttle import Window
from inbox import inbox_threads
from notifications import selectors, services
from notifications.models import Level, parse_ids
from snooze import times as snooze_times


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    try:
        before = parse_cursor(request.GET.get("before"))
        show = parse_cursor(request.GET.get("show"))
    except ValueError:
        return HttpResponseBadRequest("'before' and 'show' must be message ids")
    try:
        filters = search.parse(request.GET, tz=settings_for(request.user).time_zone)
    except search.InvalidFilters as exc:
        return HttpResponseBadRequest(str(exc))
    archived = request.GET.get("archived") == "1"
    snoozed = request.GET.get("snoozed") == "1" and not archived
    unread_only = request.GET.get("unread") == "1" and not archived and not snoozed
    plain = not (archived or snoozed or unread_only or filters.active)
    # Search results list each matching message; every other view, one row per thread.
    threads = not filters.active
    if show is not None and before is None and plain:
        page = selectors.inbox_page_showing(
            user_id=request.user.pk, message_id=show, threads=threads
        )
    else:
        page = selectors.inbox_page(
            user_id=request.user.pk,
            before=before,
            unread_only=unread_only,
            archived=archived,
            snoozed=snoozed,
            filters=filters,
            threads=threads,
        )
    found = inbox_threads.summaries(
        user_id=request.user.pk, rows=page.messages, archived=archived, unread_only=unread_only
    )
    view = {"archived": "1"} if archived else {"snoozed": "1"} if snoozed else {}
    # The view and the filters, for the links to the newest and the next page.
    params = {**view, **({"unread": "1"} if unread_only else {}), **filters.query_string()}
    older = {**params, "before": page.next_before} if page.next_before else None
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "rows": [(m, found.get(m.pk)) for m in page.messages],
            "newest_url": "?" + urlencode(params),
            "older_url": "?" + urlencode(older) if older else "",
            "before": before,
            "unread_only": unread_only,
            "archived": archived,
            "snoozed": snoozed,
            "filters": filters,
            "view": view,
            "levels": Level.choices,
            "snooze_choices": snooze_times.CHOICES,
            "template_row": {"pk": 0, "text": ""},  # the menu rows added live clone
            "here": request.get_full_path(),
        },
    )


@require_POST
@login_required
def mark_read(request: HttpRequest, message_id: int) -> HttpResponse:
    # A thread's row reads the whole thread (docs/inbox.md, "Threads").
    ids = inbox_threads.expand(user_id=request.user.pk, ids=[message_id])
    changed = services.mark_read(user=request.user, ids=ids)
    if not changed and not _owns(request, message_id):
        # Another user's id and an unknown id look the same.
        return JsonResponse({"error": "not_found"}, status=404)
    return _done(request, changed)


@require_POST
@login_required
def mark_unread(request: HttpRequest, message_id: int) -> HttpResponse:
    changed = services.mark_unread(user=request.user, ids=[message_id])
    if not changed and not _owns(request, message_id):
        return JsonResponse({"error": "not_found"}, status=404)
    return _done(request, changed)


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    return _done(request, services.mark_all_read(user=request.user))


# The inbox's bulk actions on the selected rows (checkboxes named `ids`).
BULK_ACTIONS = {
    "read": services.mark_read,
    "archive": services.archive,
    "unarchive": services.unarchive,
    "delete": services.delete,
}


@require_POST
@login_required
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on many of the user's messages; foreign and unknown ids are skipped."""
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    try:
        ids = parse_ids([int(raw) for raw in request.POST.getlist("ids")])
    except ValueError:
        ids = None
    if action is None or ids is None:
        if request.POST.get("next") and not request.POST.getlist("ids"):
            return _done(request, [])  # the plain form sent with nothing selected
        return JsonResponse(
            {
                "error": "invalid_body",
                "detail": f"'action' one of {', '.join(BULK_ACTIONS)}, and 1 or more message ids",
            },
            status=400,
        )
    # The inbox's rows are threads: an action on one acts on all of its messages.
    ids = inbox_threads.expand(user_id=request.user.pk, ids=ids)
    return _done(request, action(user=request.user, ids=ids))


# Per user and process: NOTIFICATIONS_TEST_LIMIT test notifications per window.
_test_sends = Window(
    lambda: settings.NOTIFICATIONS_TEST_LIMIT, lambda: settings.NOTIFICATIONS_TEST_WINDOW
)


@require_POST
@login_required
def send_test(request: HttpRequest) -> HttpResponse:
    """Send the signed-in user a notification, to try the live path from the browser.

    A script (home.js) gets the id as JSON and the toast over the socket; a plain form
    post (no JavaScript) goes back to the home page, where the toast is rendered.
    """
    wait = _test_sends.hit(str(request.user.pk))
    if wait is not None:
        # Each one is a write and a push to every tab: a loop of them is a user's way to
        # fill the database and the writer (issue #19). Refused before any work.
        if "application/json" in request.headers.get("Accept", ""):
            response: HttpResponse = JsonResponse(
                {"error": "too_many_requests", "detail": f"retry after {wait} s"}, status=429
            )
        else:
            response = HttpResponse(
                gettext("Too many test notifications; try again later."), status=429
            )
        response["Retry-After"] = str(wait)
        return response
    # Success, not info: it stays until dismissed, for "dismiss it in one tab". One toast
    # however often it is clicked (a collapse key); no clock in the text, whose zone would
    # be the server's: the inbox shows the time in the browser's.
    message = services.notify(
        request.user,
        # In the language of the page that asked: the text is stored, then shown as is.
        gettext("Test notification: it works. Dismiss it here and it goes from your other tabs."),
        level="success",
        collapse_key="test-notification",
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"id": message.pk}, status=201)
    return HttpResponseRedirect(reverse("home"), status=303)


def _done(request: HttpRequest, changed: list[int]) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and "application/json" not in request.headers.get("Accept", ""):
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return HttpResponseRedirect(target if safe else reverse("notifications:inbox"))
    count = selectors.unread_count(user_id=request.user.pk)
    return JsonResponse({"ids": changed, "unread_count": count})


def parse_cursor(raw: str | None) -> int | None:
    """The `before` cursor: None when absent; ValueError unless a positive id."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19) or int(raw) < 1:
        raise ValueError(raw)
    return int(raw)


def _owns(request: HttpRequest, message_id: int) -> bool:
    return selectors.owns_message(user_id=request.user.pk, message_id=message_id)
