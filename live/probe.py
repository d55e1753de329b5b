"""The layer watch's probe: a message through the channel layer to this process's own
channel, which tells whether the layer carries messages end to end right now.

The Redis pub/sub layer keeps sockets open through a Redis outage and silently loses what
is published meanwhile; consumers/watch.py probes with this and, once a probe gets through
again, tells every local socket to rejoin and resync (`tell_recovered`).
"""

import asyncio
import contextlib
import uuid
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer

from live import LAYER_RECOVERED, WATCH_PROBE


class Probe:
    """One watch run's probe: its own channel on the layer, made at the first check."""

    def __init__(self, layer: Any = None) -> None:
        self._layer: Any = layer if layer is not None else get_channel_layer()
        self._channel: str | None = None
        self.timed_out = False  # the last check failed by running out of time, not an error
        # Redis's answer to the last check's PUBLISH: how many subscribers it delivered the
        # probe to (0: none, the message is lost); None: no answer (the check ran out of
        # time before, or failed) or a layer that does not say.
        self.delivered: int | None = None

    async def check(self, *, within: float) -> bool:
        """True when a probe went through the layer and back within `within` seconds."""
        token = uuid.uuid4().hex
        self.timed_out = False
        self.delivered = None
        message = {"type": WATCH_PROBE, "token": token}
        try:
            async with asyncio.timeout(within):
                if self._channel is None:
                    self._channel = await self._layer.new_channel("watch.")
                counted = getattr(self._layer, "send_counted", None)  # the Redis layer's
                if counted is None:
                    await self._layer.send(self._channel, message)
                else:
                    self.delivered = await counted(self._channel, message)
                    if not self.delivered:
                        raise LookupError("nobody is subscribed to the probe's channel")
                while (await self._layer.receive(self._channel)).get("token") != token:
                    pass  # a late answer to an earlier probe
            return True
        except Exception as exc:  # any failure means the layer is not usable
            self.timed_out = isinstance(exc, TimeoutError)
            # A cancelled receive drops the channel's subscription: start afresh next time.
            self._channel = None
            return False

    async def close(self) -> None:
        """Drop the probe's channel for good. Cancelled anywhere but in its receive, the
        probe would keep its channel subscribed in Redis: one more after every time the
        last socket goes."""
        channel, self._channel = self._channel, None
        forget = getattr(self._layer, "forget", None)  # the Redis layer's
        if channel is not None and forget is not None:
            await forget(channel)

    async def tell_recovered(self, channels: Iterable[str]) -> None:
        """Tell each socket's channel that the layer is back (it rejoins and resyncs)."""
        for channel in channels:
            with contextlib.suppress(Exception):
                await self._layer.send(channel, {"type": LAYER_RECOVERED})
