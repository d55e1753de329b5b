"""The notification socket: auth gate, the user's group, relay of sends, acks.

Protocol: docs/protocol.md. The consumer adapts frames to services and never dies on
client input: a bad frame gets an `error` frame and the socket stays open (the frame's
checks and rate limit: consumers/client_frames.py). The events that close a socket whose
credential ended are handled by `ClosesWithItsCredential` (consumers/credentials.py).
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

import live
from consumers import binding, metrics, shutdown
from consumers.client_frames import FrameError, FrameRate, parse_frame, valid_ids
from consumers.credentials import ClosesWithItsCredential, session_fingerprint
from consumers.readers import readers
from consumers.refusal import CLOSE_RATE_LIMITED, CLOSE_TRY_AGAIN, CLOSE_UNAUTHORIZED, refuse
from consumers.resync import SyncLimit
from consumers.sessions import check as session_check
from consumers.watch import watch
from notifications import selectors, services

logger = logging.getLogger(__name__)

UNAVAILABLE = "not stored; send it again later"
# Acks handed to the batching writer and not yet written, held so none is collected
# before it is (NotificationConsumer.ack).
_acks_in_flight: set[asyncio.Future] = set()


# Client frames that change messages through one service each; the service sends the
# answer (`archived`, `unarchived`, `deleted`) to every socket of the user.
CHANGES = {
    "archive": services.archive,
    "unarchive": services.unarchive,
    "delete": services.delete,
}


class NotificationConsumer(AsyncWebsocketConsumer, ClosesWithItsCredential):
    # Open sockets per user in this process, for the per-user cap.
    open_per_user: ClassVar[Counter[int]] = Counter()
    group: str | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler, without the thread hop channels 4.2+ makes before each one.

        Channels runs `aclose_old_connections()` (a sync_to_async hop, ~100 µs) before
        every handler, frame relays included. No handler here uses the database on the
        loop's thread: reads go through database_sync_to_async, which closes old
        connections in its own thread, or the socket readers (consumers/readers.py), which
        manage their own; writes through the batching writer, whose thread does the same.
        So the hop would only cost, and it is skipped.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Channels' close, without its hop to close old connections (as `dispatch`).

        This consumer joins its one group itself (`self.groups` is empty), so there are
        no `groups` to discard here; `disconnect` leaves it."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def connect(self) -> None:
        user = self.scope.get("user")
        authenticated = user is not None and user.is_authenticated
        # Reserve before the first await: between a check and a later increment other
        # handshakes of the same user would run, and all of them would pass the cap.
        reserved = authenticated and self.reserve_slot(user.pk)
        # Accept before closing: a close before accept is an HTTP 403 and the code is lost.
        await self.accept()
        if not authenticated:  # refused before (consumers/auth.py); kept as a backstop
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        if binding.wrong_user(self.scope, user.pk):
            await self.send_frame(binding.WRONG_USER_FRAME)
            await self.close(code=binding.CLOSE_WRONG_USER)
            return
        if not reserved:
            await self.send_frame(
                {
                    "type": "error",
                    "code": "too_many_sockets",
                    "detail": "close another tab or client first",
                }
            )
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        self.user = user
        self.session = session_fingerprint(getattr(self.scope.get("session"), "session_key", None))
        self.rate = FrameRate()
        self.sync_limit = SyncLimit(self.send_sync)
        # Join before reading the unread set, so nothing created meanwhile is missed.
        # Counted from the moment it has a group: forget() uncounts exactly those.
        self.group = live.user_group(user.pk)
        metrics.OPEN_SOCKETS.inc()
        try:
            await self.join_group()
        except Exception:
            # One line, no traceback: under a storm this happens to many handshakes.
            logger.warning("socket for user %s: group join failed or timed out", user.pk)
            # A join cut short may have subscribed the group in Redis: forget it too.
            await self.forget_layer(self.forget())
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        watch.register(self)
        shutdown.track(self)
        if self.scope.get("auth_token_id") is None:
            session_check.track(self, getattr(self.scope.get("session"), "session_key", None))
        await self.send_sync()

    async def disconnect(self, code: int) -> None:
        await self.leave()

    def forget(self) -> str | None:
        """Leave every registry of this process, once; the group still to discard, if any.

        Synchronous: nothing can run between the check and the change, so whoever comes
        first (the server's close, disconnect(), a cancelled app) does it alone.
        """
        self.release_slot()
        group, self.group = self.group, None
        if group is None:
            return None
        watch.unregister(self)
        shutdown.untrack(self)
        session_check.untrack(self)
        self.sync_limit.cancel()
        metrics.OPEN_SOCKETS.dec()
        return group

    async def leave(self) -> None:
        """Everything disconnect() does, once: run by the server's own close at once (a
        flooding client's disconnect may never get through daphne's queue in time)."""
        group = self.forget()
        if group is None:
            return
        try:
            # Shielded: past the timeout we stop waiting, but the discard goes on; cut
            # short, it would leave the group subscribed in Redis for good.
            await asyncio.wait_for(
                asyncio.shield(self.channel_layer.group_discard(group, self.channel_name)),
                settings.NOTIFICATIONS_SEND_TIMEOUT,
            )
        except TimeoutError:
            # One line, no traceback: under a storm many discards are slow at once (and
            # the shielded discard goes on).
            logger.info("group discard for user %s still running after the timeout", self.user.pk)
        except Exception:
            logger.info("group discard failed for user %s", self.user.pk, exc_info=True)

    # --- the per-user socket cap --------------------------------------------------
    slot_user: int | None = None

    def reserve_slot(self, user_id: int) -> bool:
        """Take one of the user's places in this process, or False when all are taken.

        Synchronous on purpose: nothing can run between the check and the increment.
        """
        if self.open_per_user[user_id] >= settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER:
            return False
        self.open_per_user[user_id] += 1
        self.slot_user = user_id
        return True

    def release_slot(self) -> None:
        """Give the place back; safe to call on every exit path, it counts once."""
        user_id, self.slot_user = self.slot_user, None
        if user_id is None:
            return
        self.open_per_user[user_id] -= 1
        if self.open_per_user[user_id] <= 0:
            del self.open_per_user[user_id]

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # A socket the server closes (4429 for flooding, 4401, 4503...) is done: its place
        # is free now, not when (or if) the client answers the close and the disconnect
        # gets through a queue that a flooder may have filled.
        await self.leave()
        await super().close(code=code, reason=reason)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Exception:
            if hasattr(self, "base_send"):  # set once the layer has given us a channel
                raise
            # The layer could not make this socket's channel (Redis down): without this
            # the error escapes before the handshake and daphne answers HTTP 500.
            logger.warning("socket refused: channel layer unreachable", exc_info=True)
            await self.refuse_try_again(receive, send)
        finally:
            # Daphne cancels an app that is slow to finish after a disconnect, and a
            # handshake the client gave up on; cancelled, disconnect() never runs, and the
            # place, the gauge and the Redis subscriptions would be lost until a restart.
            await self.forget_layer(self.forget())

    async def forget_layer(self, group: str | None) -> None:
        """Leave the layer for good: this socket's channel, and `group` when still joined
        (no Redis work for a channel already gone and no group)."""
        channel = getattr(self, "channel_name", None)
        forget = getattr(self.channel_layer, "forget", None)  # the Redis layer's
        if channel is None:
            return
        if forget is not None:
            work = forget(channel, (group,) if group else ())
        elif group is not None:  # an in-process layer: a discard is all there is
            work = self.channel_layer.group_discard(group, channel)
        else:
            return
        try:
            # Shielded inside the timeout: the forget finishes even when we stop waiting.
            await asyncio.wait_for(asyncio.shield(work), settings.NOTIFICATIONS_SEND_TIMEOUT)
        except (Exception, asyncio.CancelledError):
            logger.info("socket %s: leaving the layer failed", channel)

    async def join_group(self) -> None:
        await asyncio.wait_for(
            self.channel_layer.group_add(self.group, self.channel_name),
            settings.NOTIFICATIONS_SEND_TIMEOUT,
        )

    async def refuse_try_again(self, receive: Any, send: Any) -> None:
        """Accept and close with 4503, without a channel layer (docs/protocol.md)."""
        await refuse(receive, send, CLOSE_TRY_AGAIN)

    # --- client frames ----------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.group is None:
            return
        try:
            self.rate.take()
            await self.handle(parse_frame(text_data, bytes_data))
        except FrameError as exc:
            await self.reject(exc)
            if self.rate.exhausted:
                await self.close(code=CLOSE_RATE_LIMITED)

    async def reject(self, exc: FrameError) -> None:
        """The client's frame refused: an `error` frame with the FrameError's code."""
        metrics.FRAMES_REJECTED.labels(exc.code).inc()
        await self.send_frame({"type": "error", "code": exc.code, "detail": exc.detail})

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ack":
            await self.ack(frame.get("ids"))
        elif kind == "seen":
            await self.seen(frame.get("ids"))
        elif kind in CHANGES:
            await self.change(kind, frame.get("ids"))
        elif kind == "sync":
            await self.sync_limit.request()
        elif kind == "ping":
            await self.send_frame({"type": "pong"})
        else:
            raise FrameError("unknown_type", f"unknown frame type {kind[:40]!r}")

    async def ack(self, ids: Any) -> None:
        """Hand the ack to the batching writer and go on with the socket's next frame.

        The ack may wait there (NOTIFICATIONS_ACK_GATHER) to share a write: awaited here,
        that wait would hold up every frame of this socket behind it (pushes, pings, the
        next acks, which could otherwise share the write). The `read` frame reaches every
        socket of the user (this one too) via the group, after commit. Each socket's rate
        limit bounds the acks in flight; one still waiting when the socket closes is
        written all the same.
        """
        wanted = valid_ids(ids)  # a bad frame is refused now, as any other
        task = asyncio.ensure_future(self.write_ack(wanted))
        _acks_in_flight.add(task)
        task.add_done_callback(_acks_in_flight.discard)

    async def write_ack(self, ids: list[int]) -> None:
        started = time.perf_counter()
        try:
            await services.ack(user_id=self.user.pk, ids=ids)
        except DatabaseError:
            logger.warning("ack by user %s not stored: database unavailable", self.user.pk)
            with contextlib.suppress(Exception):  # the socket may have closed meanwhile
                await self.reject(FrameError("unavailable", UNAVAILABLE))
            return
        metrics.ACK_ROUND_TRIP.observe(time.perf_counter() - started)

    async def change(self, kind: str, ids: Any) -> None:
        """archive / unarchive / delete: no direct reply; the frame is sent after commit."""
        wanted = valid_ids(ids)
        try:
            await database_sync_to_async(CHANGES[kind])(user=self.user, ids=wanted)
        except DatabaseError:
            logger.warning("%s by user %s not stored: database unavailable", kind, self.user.pk)
            raise FrameError("unavailable", UNAVAILABLE) from None

    async def seen(self, ids: Any) -> None:
        """Toasts shown in a focused tab; no reply and no frame sent (docs/protocol.md)."""
        await database_sync_to_async(services.mark_seen)(user=self.user, ids=valid_ids(ids))

    async def send_sync(self) -> None:
        # With the other handshakes' of this turn of the loop (consumers/readers.py).
        frame = await readers.run_each(selectors.sync_frames, self.user.pk)
        await self.send_frame(frame)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=live.encode(frame))

    # --- channel layer events ---------------------------------------------------
    async def frame_relay(self, event: dict[str, Any]) -> None:
        """A frame from live (its `RELAY` message), already serialised once for all sockets."""
        await self.send(text_data=event["text"])

    async def layer_recovered(self, event: dict[str, Any]) -> None:
        """The layer lost sends during an outage: rejoin and send the truth again."""
        if self.group is None:
            return
        try:
            await self.join_group()
        except Exception:
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        await self.send_sync()
