"""The inbox's thread and action controls: mute, unmute, and a click on an action.

Thin, as views.py: parse, call one service, map. Scripts get JSON; a plain form post
(with `next`) is redirected, so each works without JavaScript.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.http import require_POST

from inbox.views import _done
from notifications.validators import InvalidNotification
from threads import actions
from threads import services as threads


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _mute(request: HttpRequest, *, muted: bool) -> HttpResponse:
    key = request.POST.get("group", "")
    try:
        (threads.mute if muted else threads.unmute)(user=request.user, key=key)
    except InvalidNotification as exc:
        return JsonResponse({"error": "invalid_body", "detail": str(exc)}, status=400)
    if _wants_json(request) or not request.POST.get("next"):
        return JsonResponse({"group": key, "muted": muted})
    return _done(request, [])


@require_POST
@login_required
def mute(request: HttpRequest) -> HttpResponse:
    return _mute(request, muted=True)


@require_POST
@login_required
def unmute(request: HttpRequest) -> HttpResponse:
    return _mute(request, muted=False)


@require_POST
@login_required
def act(request: HttpRequest, message_id: int, index: int) -> HttpResponse:
    """Record a click on an action; a link action then goes to its URL (a same-site path)."""
    try:
        acted = actions.act(user=request.user, message_id=message_id, index=index)
    except actions.UnknownAction:
        return JsonResponse({"error": "not_found"}, status=404)
    url = acted.action.get("url", "")
    if _wants_json(request):
        return JsonResponse({"id": message_id, "action": index, "url": url, "first": acted.first})
    if url:
        return HttpResponseRedirect(url, status=303)
    return _done(request, [])
