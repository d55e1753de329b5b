"""Client-requested `sync` frames, at most one per NOTIFICATIONS_SYNC_INTERVAL per socket.

A `sync` request is 15 bytes; its answer is the whole unread set (up to
NOTIFICATIONS_SYNC_LIMIT messages, ~200 KB) and a database read. Requests within the
interval are collapsed into one sync sent when the interval ends, so a client always
gets the truth it asked for, and a flood of requests costs one read per interval.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from django.conf import settings


class SyncLimit:
    def __init__(self, send_sync: Callable[[], Awaitable[None]]) -> None:
        self.send_sync = send_sync
        self.next_at = 0.0  # the sync on connect does not count: the first request is served
        self.pending: asyncio.Task | None = None

    async def request(self) -> None:
        """Send a sync now, or once the interval ends (one for all requests meanwhile)."""
        now = time.monotonic()
        if now >= self.next_at and self.pending is None:
            self.next_at = now + settings.NOTIFICATIONS_SYNC_INTERVAL
            await self.send_sync()
        elif self.pending is None:
            self.pending = asyncio.get_running_loop().create_task(self._later(self.next_at - now))

    async def _later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.next_at = time.monotonic() + settings.NOTIFICATIONS_SYNC_INTERVAL
        try:
            await self.send_sync()
        finally:
            self.pending = None

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            with contextlib.suppress(Exception):
                self.pending = None
