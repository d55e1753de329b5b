"""Watches the channel layer end to end, once per process.

The Redis pub/sub layer keeps sockets open through a Redis outage and silently loses
what is published meanwhile. A probe sent through the layer to this process tells when
that happens; once a probe gets through again, every local socket is told to rejoin its
group and resync from the database, so clients converge without a reload.
"""

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from notifications import live
from notifications.layers import LocalChannelLayer

logger = logging.getLogger(__name__)


class Watched(Protocol):
    channel_name: str


class LayerWatch:
    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[Any] = weakref.WeakSet()
        self.healthy = True
        self._task: asyncio.Task | None = None
        self._probe_channel: str | None = None
        self._forgetting: set[asyncio.Task] = set()

    def register(self, consumer: Watched) -> None:
        layer = get_channel_layer()
        if isinstance(layer, InMemoryChannelLayer | LocalChannelLayer):
            return  # nothing outside this process can fail
        self.sockets.add(consumer)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(layer))

    def unregister(self, consumer: Watched) -> None:
        self.sockets.discard(consumer)
        if not self.sockets and self._task is not None:
            # No sockets, nothing to heal: stop probing until the next connect.
            self._task.cancel()
            self._task = None
            channel, self._probe_channel = self._probe_channel, None
            forget = getattr(get_channel_layer(), "forget", None)  # the Redis layer's
            if channel is not None and forget is not None:
                # Cancelled anywhere but in its receive, the probe would keep its channel
                # subscribed in Redis: one more after every time the last socket goes.
                task = asyncio.get_running_loop().create_task(forget(channel))
                self._forgetting.add(task)
                task.add_done_callback(self._forgetting.discard)

    async def _run(self, layer: Any) -> None:
        interval = settings.NOTIFICATIONS_LAYER_CHECK_INTERVAL
        while True:
            due = time.monotonic() + interval
            await asyncio.sleep(interval)
            # A loop that runs late (a reconnect storm) also makes the probe late: that
            # is no news about the layer, so its time limit grows with the lateness.
            late = max(0.0, time.monotonic() - due)
            ok = await self._probe(layer, within=interval + 4 * late)
            if ok and not self.healthy:
                logger.warning("channel layer is back; resyncing %d sockets", len(self.sockets))
                await self._resync_all(layer)
            elif not ok and self.healthy:
                logger.error("channel layer unreachable: pushes are lost until it returns")
            self.healthy = ok

    async def _probe(self, layer: Any, *, within: float) -> bool:
        token = uuid.uuid4().hex
        try:
            async with asyncio.timeout(within):
                if self._probe_channel is None:
                    self._probe_channel = await layer.new_channel("watch.")
                await layer.send(self._probe_channel, {"type": live.WATCH_PROBE, "token": token})
                while (await layer.receive(self._probe_channel)).get("token") != token:
                    pass  # a late answer to an earlier probe
            return True
        except Exception:  # any failure means the layer is not usable
            # A cancelled receive drops the channel's subscription: start afresh next time.
            self._probe_channel = None
            return False

    async def _resync_all(self, layer: Any) -> None:
        for consumer in list(self.sockets):
            with contextlib.suppress(Exception):
                await layer.send(consumer.channel_name, {"type": live.LAYER_RECOVERED})


watch = LayerWatch()
