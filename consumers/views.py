"""`POST /sse/notifications/send/`: a client frame for an event stream.

An event stream only goes one way, so its client POSTs what it would send on a socket
(docs/protocol.md, "Server-Sent Events"): `?stream=` names the stream (its `stream`
event), the body is the frame's JSON text. The frame is handed to that stream's channel,
on whichever process holds it, and handled there by the socket's code: its limits, its
`error` frames and its answers come on the stream. Authenticated as the JSON API is
(session and CSRF token, or a bearer token), and only for the user's own streams.
"""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from consumers.eventstream import stream_channel
from notifications import live
from notifications.api import api_view, error


@api_view("POST")
def send(request: HttpRequest) -> JsonResponse:
    channel = stream_channel(request.GET.get("stream", ""), request.api_user.pk)  # type: ignore[attr-defined]
    if channel is None:
        return error(404, "unknown_stream", "no such stream of yours; open a new one")
    if len(request.body) > settings.NOTIFICATIONS_MAX_FRAME_BYTES:
        limit = settings.NOTIFICATIONS_MAX_FRAME_BYTES
        return error(413, "too_large", f"frames are limited to {limit} bytes")
    try:
        text = request.body.decode()
    except UnicodeDecodeError:
        return error(400, "invalid_json", "the frame is not UTF-8 JSON text")
    if not live.pass_client_frame(channel, text):
        response = error(503, "unavailable", "not passed on; send it again later")
        response["Retry-After"] = str(settings.NOTIFICATIONS_RETRY_AFTER)
        return response
    return JsonResponse({}, status=202)
