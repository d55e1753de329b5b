"""The notification socket: auth gate, the user's group, relay of pushes, acks.

Protocol: docs/protocol.md. The consumer adapts frames to services and never dies on
client input: a bad frame gets an `error` frame and the socket stays open.
"""

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from notifications import events, selectors, services

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401


class FrameError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class NotificationConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before accept is an HTTP 403 and the code is lost.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        # Join before reading the unread set, so nothing created meanwhile is missed.
        self.group = events.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_sync()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.group is None:
            return
        try:
            frame = self.parse(text_data, bytes_data)
            await self.handle(frame)
        except FrameError as exc:
            await self.send_frame({"type": "error", "code": exc.code, "detail": exc.detail})

    def parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        if text_data is None:
            raise FrameError("binary_not_supported", "send JSON text frames")
        if len(text_data) > settings.NOTIFICATIONS_MAX_FRAME_BYTES:
            raise FrameError(
                "too_large", f"frames are limited to {settings.NOTIFICATIONS_MAX_FRAME_BYTES} bytes"
            )
        try:
            frame = json.loads(text_data)
        except ValueError:
            raise FrameError("invalid_json", "the frame is not valid JSON") from None
        if not isinstance(frame, dict):
            raise FrameError("invalid_frame", "a frame must be a JSON object")
        if not isinstance(frame.get("type"), str):
            raise FrameError("invalid_frame", "a frame needs a string 'type'")
        return frame

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ack":
            await self.ack(frame.get("ids"))
        elif kind == "sync":
            await self.send_sync()
        elif kind == "ping":
            await self.send_frame({"type": "pong"})
        else:
            raise FrameError("unknown_type", f"unknown frame type {kind[:40]!r}")

    async def ack(self, ids: Any) -> None:
        limit = settings.NOTIFICATIONS_MAX_ACK_IDS
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > limit
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        ):
            raise FrameError("invalid_ids", f"'ids' must be a list of 1 to {limit} integers")
        # The `read` frame reaches every socket of the user (this one too) via the group.
        await database_sync_to_async(services.mark_read)(user=self.user, ids=ids)

    async def send_sync(self) -> None:
        frame = await database_sync_to_async(selectors.sync_frame)(user_id=self.user.pk)
        await self.send_frame(frame)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=events.encode(frame))

    async def frame_relay(self, event: dict[str, Any]) -> None:
        """A push from notifications.events, already serialised once for all sockets."""
        await self.send(text_data=event["text"])
