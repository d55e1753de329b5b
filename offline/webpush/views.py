"""Web Push endpoints for the inbox page's button (static/notifications/push.js).

While Web Push is off, subscribe and unsubscribe 404 and the key is null (so the inbox
page logs no failed request); the service worker script stays, so that a browser's
update check never breaks an existing registration.
"""

import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from offline.webpush import send as push


def _require_push() -> push.VapidConfig:
    config = push.vapid_config()
    if config is None:
        raise Http404("Web Push is off")
    return config


@require_GET
@login_required
def key(request: HttpRequest) -> JsonResponse:
    """The VAPID public key the browser subscribes with; null while Web Push is off."""
    config = push.vapid_config()
    return JsonResponse({"public_key": config.public_key if config else None})


@require_POST
@login_required
def subscribe(request: HttpRequest) -> JsonResponse:
    _require_push()
    try:
        body = json.loads(request.body)
        endpoint, keys = body["endpoint"], body["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
        if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)):
            raise TypeError
        push.subscribe(user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth)
    except push.SubscriptionTaken as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the parser's stack ("[[[[...").
        # InvalidSubscription is a ValueError: its text says which part is wrong.
        reason = str(exc) if isinstance(exc, push.InvalidSubscription) else "bad subscription"
        return JsonResponse({"error": reason}, status=400)
    return JsonResponse({"subscribed": True}, status=201)


@require_POST
@login_required
def unsubscribe(request: HttpRequest) -> JsonResponse:
    _require_push()
    try:
        endpoint = json.loads(request.body)["endpoint"]
        if not isinstance(endpoint, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        return JsonResponse({"error": "endpoint required"}, status=400)
    return JsonResponse({"unsubscribed": push.unsubscribe(user=request.user, endpoint=endpoint)})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """sw.js from a fixed URL (a static URL changes with its hash); scope /notifications/."""
    path = finders.find("notifications/sw.js")
    if not path:
        raise Http404
    response = HttpResponse(
        Path(path).read_text(encoding="utf-8"), content_type="text/javascript; charset=utf-8"
    )
    # Browsers check for a new worker on their own schedule; always revalidate.
    response["Cache-Control"] = "no-cache"
    return response
