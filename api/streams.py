"""`POST /api/streams/send/`: a client frame for an event stream (the socket's fallback).

An event stream only goes one way, so its client POSTs what it would send on a socket
(docs/protocol.md, "Server-Sent Events"): `?stream=` names the stream (its `stream`
event), the body is the frame. The frame is handed to that stream's channel, on whichever
process holds it, and handled there by the socket's code: its limits, its `error` frames
and its answers come on the stream. Only for the user's own streams.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

import live
from api.auth import USER
from api.errors import ApiError
from api.schemas import USER_ERRORS, errors
from consumers.eventstream import stream_channel

router = Router(auth=USER, tags=["streams"])


class StreamQuery(Schema):
    stream: str


@router.post(
    "/send/",
    response={202: dict[str, Any], **USER_ERRORS, **errors(400, 404, 413)},
    summary="Send a client frame (ack, …) to one of your event streams",
    # The body is passed on as it came: the stream answers a frame it cannot take with an
    # `error` frame, as the socket does, so the body is described, not parsed, here.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def stream_send(request: HttpRequest, query: Query[StreamQuery]) -> Any:
    channel = stream_channel(query.stream, request.auth.pk)
    if channel is None:
        raise ApiError(404, "unknown_stream", "no such stream of yours; open a new one")
    if len(request.body) > settings.NOTIFICATIONS_MAX_FRAME_BYTES:
        limit = settings.NOTIFICATIONS_MAX_FRAME_BYTES
        raise ApiError(413, "too_large", f"frames are limited to {limit} bytes")
    try:
        text = request.body.decode()
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "the frame is not UTF-8 JSON text") from None
    if not live.pass_client_frame(channel, text):
        retry = str(settings.NOTIFICATIONS_RETRY_AFTER)
        detail = "not passed on; send it again later"
        raise ApiError(503, "unavailable", detail, **{"Retry-After": retry})
    return Status(202, {})
