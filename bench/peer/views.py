"""The ingress: `POST /notify/` with `{"user": id, "text": "..."}` and the service token."""

import json

from django.http import HttpResponse
from django_eventstream import send_event

from bench.peer.access import channel_for, notify_token_ok


def notify(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    if not notify_token_ok(request):
        return HttpResponse(status=401)
    try:
        body = json.loads(request.body)
        user, text = int(body["user"]), str(body["text"])
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    send_event(channel_for(user), "message", {"text": text, "level": "info"})
    return HttpResponse(status=204)
