"""Watches the channel layer end to end, once per process.

The Redis pub/sub layer keeps sockets open through a Redis outage and silently loses
what is published meanwhile. A probe sent through the layer to this process tells when
that happens; once a probe gets through again, every local socket is told to rejoin its
group and resync from the database, so clients converge without a reload.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable
from typing import Any, Protocol

from django.conf import settings

import live
from live.probe import Probe

logger = logging.getLogger(__name__)


class Watched(Protocol):
    channel_name: str


class LayerWatch:
    """The process's sockets, whether the layer works, and the task that probes it
    (live/probe.py talks to the layer; this module never does)."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[Any] = weakref.WeakSet()
        self.healthy = True
        self._task: asyncio.Task | None = None
        self._probe: Probe | None = None
        self._closing: set[asyncio.Task] = set()

    def register(self, consumer: Watched) -> None:
        if live.is_process_local():
            return  # nothing outside this process can fail
        self.sockets.add(consumer)
        if self._task is None or self._task.done():
            self._probe = Probe()
            self._task = asyncio.get_running_loop().create_task(self._run(self._probe))

    def unregister(self, consumer: Watched) -> None:
        self.sockets.discard(consumer)
        if not self.sockets and self._task is not None:
            # No sockets, nothing to heal: stop probing until the next connect.
            self._task.cancel()
            self._task = None
            probe, self._probe = self._probe, None
            if probe is not None:
                task = asyncio.get_running_loop().create_task(probe.close())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def _run(self, probe: Probe) -> None:
        interval = settings.NOTIFICATIONS_LAYER_CHECK_INTERVAL
        quiet_since: float | None = None  # the first probe of a run of them that said nothing
        while True:
            due = time.monotonic() + interval
            await asyncio.sleep(interval)
            # A loop that runs late (a reconnect storm) also makes the probe late: that
            # is no news about the layer, so its time limit grows with the lateness.
            late = max(0.0, time.monotonic() - due)
            ok, lateness = await _timing_the_loop(probe.check(within=interval + 4 * late))
            if not ok and _no_news(probe, lateness):
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since < QUIET_LIMIT:
                    continue  # ask again next time
            quiet_since = None
            if ok and not self.healthy:
                logger.warning("channel layer is back; resyncing %d sockets", len(self.sockets))
                await probe.tell_recovered([c.channel_name for c in list(self.sockets)])
            elif not ok and self.healthy:
                logger.error("channel layer unreachable: pushes are lost until it returns")
            self.healthy = ok


def _no_news(probe: Probe, lateness: float) -> bool:
    """Whether a failed probe says nothing about the layer: it ran out of time on a
    congested loop, before Redis answered its PUBLISH (queued behind the layer's own
    SUBSCRIBEs and UNSUBSCRIBEs), or after Redis said it delivered it (this process had
    not read it yet). A probe fails as news when the layer errs, or Redis answers that
    nobody is subscribed to it: what is published then is lost (a Redis restart)."""
    if not probe.timed_out:
        return False
    return lateness > CONGESTED or probe.delivered is None or probe.delivered > 0


# How late a short timer may run during a probe before the loop counts as congested: a
# probe that ran out of time then says nothing about the layer (a reconnect storm of
# 10,000 handshakes on one loop made a healthy layer's probe time out, and every socket
# of the process was resynced on top of the storm). A layer that is down fails by error,
# or again once the loop is on time; only then is it marked down.
CONGESTED = 0.1  # seconds
TICK = 0.05  # seconds between the timers that measure it
# Seconds of probes that say nothing before one that runs out of time counts anyway: a
# Redis that hangs answers nothing, ever. A restart storm's queue drains well within it
# (10,002 sockets back in 12-14 s on the bench machine, docs/performance.md).
QUIET_LIMIT = 30.0


async def _timing_the_loop(check: Awaitable[bool]) -> tuple[bool, float]:
    """The check's answer, and how late the loop ran a TICK timer at worst meanwhile."""
    loop = asyncio.get_running_loop()
    worst = 0.0

    def tick(due: float) -> None:
        nonlocal worst, timer
        worst = max(worst, loop.time() - due)
        timer = loop.call_at(loop.time() + TICK, tick, loop.time() + TICK)

    timer = loop.call_at(loop.time() + TICK, tick, loop.time() + TICK)
    try:
        ok = await check
        await asyncio.sleep(0)  # a timer overdue when the check ended still counts
    finally:
        timer.cancel()
    return ok, worst


watch = LayerWatch()
