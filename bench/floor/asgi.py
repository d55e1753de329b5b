"""ASGI entry point of the floor (see bench/floor/__init__.py).

Stock `AsyncWebsocketConsumer`: its dispatch keeps channels' per-handler
`aclose_old_connections()` hop, since that is what Channels as shipped costs. The same
periodic `gc.freeze()` as the app's server (project.gc_tuning, GC_FREEZE_INTERVAL).
"""

import itertools
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.floor.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from project import gc_tuning  # noqa: E402

COMPACT = (",", ":")  # as the app writes frames (and as the load client matches them)
SYNC = json.dumps({"type": "sync", "unread": [], "unread_count": 0}, separators=COMPACT)
_ids = itertools.count(1)


def group(user: int | str) -> str:
    return f"u.{user}"


class FloorConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = group(self.scope["url_route"]["kwargs"]["user"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=SYNC)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        ids = json.loads(text_data or "{}").get("ids", [])
        frame = json.dumps({"type": "read", "ids": ids, "unread_count": 0}, separators=COMPACT)
        await self.channel_layer.group_send(self.group, {"type": "frame.relay", "text": frame})

    async def frame_relay(self, event: dict) -> None:
        await self.send(text_data=event["text"])


async def notify(scope: dict, receive, send) -> None:
    """POST /notify/: one group_send of a frame serialised here, once."""
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["method"] != "POST" or scope["path"] != "/notify/":
        await _answer(send, 404, b"{}")
        return
    data = json.loads(body)
    message_id = next(_ids)
    frame = json.dumps(
        {
            "type": "notification",
            "message": {
                "id": message_id,
                "text": data["text"],
                "level": "info",
                "link": "",
                "created_at": "2026-01-01T00:00:00+00:00",
            },
            "unread_count": 1,
        },
        separators=COMPACT,
    )
    await get_channel_layer().group_send(
        group(data["user"]), {"type": "frame.relay", "text": frame}
    )
    await _answer(send, 202, b'{"id":%d}' % message_id)


async def _answer(send, status: int, body: bytes) -> None:
    # A length, not chunks: the bench's Poster reads bodies by Content-Length.
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter(
    {
        "http": notify,
        "websocket": URLRouter([path("ws/<int:user>/", FloorConsumer.as_asgi())]),
    }
)
gc_tuning.start()
