"""Server-Sent Events: the notification socket over one long HTTP response.

The fallback for clients whose WebSocket cannot open (a proxy that refuses the upgrade;
docs/protocol.md, "Server-Sent Events"). `GET /sse/notifications/` runs the socket's own
consumer with another framing: the same authentication (session cookie or bearer token),
Origin rule, per-user cap (one count with the sockets), group, `sync` first, pushes,
resyncs after a layer outage, closes and graceful stop. Each frame is one `data:` line of
the same JSON. The first event, `stream`, names the stream: the client POSTs its frames
with that name (`POST /api/streams/send/`, api/streams.py), and whichever process takes
the POST hands them to this stream's channel, where the socket's code handles them
(limits, errors, acks). A close is an event `close` with the socket's close code. Comments every
`NOTIFICATIONS_SSE_HEARTBEAT` seconds keep proxies from timing a quiet response out.

django-eventstream (bench/peer) is not used: it keeps its own channels, storage and event
ids, while these frames are already one layer message per user group (live/__init__.py)
with the database as the truth; it would be a second push path for the same frames.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.conf import settings
from django.core import signing
from django.http.cookie import parse_cookie

from accounts.auth import TooManyFailures, bearer_token, token_for_bearer
from accounts.sessions import session_user
from consumers.auth import has_credentials
from consumers.notifications import NotificationConsumer
from consumers.refusal import CLOSE_RATE_LIMITED, CLOSE_TRY_AGAIN, CLOSE_UNAUTHORIZED
from consumers.security import origin_allowed

logger = logging.getLogger(__name__)

SALT = "consumers.eventstream"
# What a browser's EventSource waits before it reconnects by itself; the browser client
# closes it on any error and keeps its own backoff (static/notifications/sse.js).
RETRY_MS = 5000
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
    (b"x-content-type-options", b"nosniff"),
]


def event(data: str, name: str | None = None) -> bytes:
    """One event. `data` is compact JSON (live.encode): one line, newlines escaped."""
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {data}\n\n".encode()


def stream_id(user_id: int, channel: str) -> str:
    """The name a client POSTs its frames with: the stream's channel, signed for its user."""
    return signing.dumps([user_id, channel], salt=SALT, compress=True)


def stream_channel(stream: str, user_id: int) -> str | None:
    """The channel of `stream` when it is this user's stream, else None."""
    try:
        owner, channel = signing.loads(stream, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return channel if owner == user_id and isinstance(channel, str) else None


async def start(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})


async def refuse(
    send: Any,
    code: int,
    *,
    error: str | None = None,
    detail: str = "",
    retry_after: int | None = None,
) -> None:
    """A whole stream that only refuses, as consumers.refusal does for a handshake: an
    optional `error` frame, then the `close` event with the socket's code."""
    await start(send)
    body = b""
    if error is not None:
        frame: dict[str, Any] = {"type": "error", "code": error, "detail": detail}
        if retry_after is not None:
            frame["retry_after"] = retry_after
        body = event(json.dumps(frame))
    body += event(json.dumps({"code": code}), "close")
    await send({"type": "http.response.body", "body": body})


async def plain(send: Any, status: int, text: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


class EventStreamApp:
    """`GET /sse/notifications/`: method, Origin and credentials, then the consumer.

    Refusals come before the consumer asks the channel layer for a channel, as on the
    socket (consumers/auth.py).
    """

    def __init__(self) -> None:
        self.consumer = EventStreamConsumer.as_asgi()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] != "GET":
            await plain(send, 405, b"GET only\n", [(b"allow", b"GET")])
            return
        if not origin_allowed(scope):
            await plain(send, 403, b"origin not allowed\n")
            return
        try:
            scope = await authenticate(scope)
        except TooManyFailures:
            await refuse(
                send,
                CLOSE_RATE_LIMITED,
                error="too_many_failures",
                detail="too many failed tokens from this address; retry later",
            )
            return
        if scope is None:
            await refuse(send, CLOSE_UNAUTHORIZED)
            return
        await self.consumer(scope, receive, send)


async def authenticate(scope: dict[str, Any]) -> dict[str, Any] | None:
    """The scope with its user, as consumers.auth sets it for a socket; None: refused.

    A bearer token that is sent but unknown is never replaced by the session cookie.
    """
    if not has_credentials(scope):
        return None
    headers = {name: value.decode("latin1") for name, value in scope.get("headers", [])}
    raw = bearer_token(headers.get(b"authorization"))
    if raw is None:
        key = parse_cookie(headers.get(b"cookie", "")).get(settings.SESSION_COOKIE_NAME)
        session, user = await database_sync_to_async(session_user)(key)
        return dict(scope, session=session, user=user) if user.is_authenticated else None
    address = (scope.get("client") or [None])[0]
    token = await database_sync_to_async(token_for_bearer)(raw, address=address)
    if token is None:
        return None
    return dict(scope, user=token.user, auth_token_id=token.pk)


class EventStreamConsumer(NotificationConsumer):
    """The socket's consumer (connect, limits, frames, closes) writing an event stream."""

    started = False  # the response has begun
    ended = False  # the response is complete: nothing more is written
    heartbeat: asyncio.Task | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.stop_heartbeat()

    async def http_request(self, message: dict[str, Any]) -> None:
        if not message.get("more_body"):  # a GET's body, if any, is ignored
            await self.connect()

    async def http_disconnect(self, message: dict[str, Any]) -> None:
        self.ended = True
        await self.leave()
        raise StopConsumer

    async def client_frame(self, event: dict[str, Any]) -> None:
        """A frame the client POSTed (api/streams.py): handled as a socket's frame."""
        await self.receive(text_data=event["text"])

    # --- the socket's interface, as an event stream --------------------------------
    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await start(self.base_send)
        self.started = True
        stream = stream_id(self.scope["user"].pk, self.channel_name)
        opening = f"retry: {RETRY_MS}\n".encode() + event(json.dumps({"stream": stream}), "stream")
        await self.write(opening)
        self.heartbeat = asyncio.get_running_loop().create_task(self.beat())

    async def send(  # type: ignore[override]
        self, text_data: str | None = None, bytes_data: Any = None, close: Any = False
    ) -> None:
        if text_data is not None:
            await self.write(event(text_data))

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        await self.leave()
        if self.ended:
            return
        if not self.started:
            await start(self.base_send)
        self.ended = True
        self.stop_heartbeat()
        closing = event(json.dumps({"code": code}), "close")
        await self.base_send({"type": "http.response.body", "body": closing})

    async def refuse_try_again(self, receive: Any, send: Any) -> None:
        await refuse(send, CLOSE_TRY_AGAIN)

    # --- writing ---------------------------------------------------------------------
    async def write(self, body: bytes) -> None:
        if not self.ended:
            await self.base_send({"type": "http.response.body", "body": body, "more_body": True})

    async def beat(self) -> None:
        while not self.ended:
            await asyncio.sleep(settings.NOTIFICATIONS_SSE_HEARTBEAT)
            with contextlib.suppress(Exception):
                await self.write(b": keep-alive\n\n")

    def stop_heartbeat(self) -> None:
        task, self.heartbeat = self.heartbeat, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
