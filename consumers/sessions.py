"""The backstop: sockets whose session ended with no signal are closed on a re-check.

Signals close a socket when its session is deleted (consumers/credentials.py): logout,
a login that flushes the old session, `clearsessions`, the admin. A session can also end
with no signal: it expires (the row stays until `clearsessions`), or it is deleted by
SQL. Every `NOTIFICATIONS_SESSION_CHECK_INTERVAL` seconds each process checks the session
keys of its open sockets in a few queries (not one per socket) and closes with 4401 those
whose session is gone or expired. 0 turns the re-check off.
"""

import asyncio
import contextlib
import logging
import weakref
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

CHUNK = 500  # session keys per query: under SQLite's limit on bound parameters


def _live_keys(keys: set[str]) -> set[str]:
    """The keys among `keys` of sessions that exist and have not expired."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # cache or cookie sessions: one check each
        return {key for key in keys if store().exists(key)}
    model = store.get_model_class()
    ordered, now, alive = sorted(keys), timezone.now(), set()
    for start in range(0, len(ordered), CHUNK):
        alive.update(
            model.objects.filter(
                session_key__in=ordered[start : start + CHUNK], expire_date__gt=now
            ).values_list("session_key", flat=True)
        )
    return alive


class SessionCheck:
    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[Any] = weakref.WeakSet()
        self._task: asyncio.Task | None = None

    def track(self, consumer: Any, session_key: str | None) -> None:
        """Re-check this socket's session from now on (session sockets only)."""
        if not session_key or settings.NOTIFICATIONS_SESSION_CHECK_INTERVAL <= 0:
            return
        consumer.checked_session_key = session_key
        self.sockets.add(consumer)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    def untrack(self, consumer: Any) -> None:
        self.sockets.discard(consumer)
        if not self.sockets and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while self.sockets:
            await asyncio.sleep(settings.NOTIFICATIONS_SESSION_CHECK_INTERVAL)
            with contextlib.suppress(Exception):
                await self.check_now()

    async def check_now(self) -> int:
        """Close the sockets whose session is gone or expired; how many were closed."""
        sockets = list(self.sockets)
        keys = {socket.checked_session_key for socket in sockets}
        if not keys:
            return 0
        try:
            alive = await database_sync_to_async(_live_keys)(keys)
        except Exception:
            # The database is down: keep the sockets; the next check decides.
            logger.info("session re-check skipped: database unavailable", exc_info=True)
            return 0
        ended = [s for s in sockets if s.checked_session_key not in alive]
        for socket in ended:
            self.sockets.discard(socket)
            await socket.session_expired()
        if ended:
            logger.info("closed %d sockets whose session ended", len(ended))
        return len(ended)


check = SessionCheck()
