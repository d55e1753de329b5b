"""Graceful stop: on SIGTERM, close every socket with 4000 before the server exits.

Daphne drops connections on SIGTERM without a close frame. A 4000 tells clients that the
server is going away on purpose, so they reconnect at once (to another process) instead
of treating it as a network failure.
"""

import asyncio
import logging
import signal
import weakref
from typing import Any

logger = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 4000  # daphne cannot send 1001/1012; 4000 is ours: reconnect now
GRACE_SECONDS = 0.5

_sockets: weakref.WeakSet[Any] = weakref.WeakSet()
_installed = False


def track(consumer: Any) -> None:
    global _installed
    _sockets.add(consumer)
    if not _installed:
        _installed = True
        _install(asyncio.get_running_loop())


def untrack(consumer: Any) -> None:
    _sockets.discard(consumer)


def _install(loop: asyncio.AbstractEventLoop) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return  # not the main server process (e.g. a test runner): leave it alone

    def on_term(signum: int, frame: Any) -> None:
        loop.call_soon_threadsafe(lambda: loop.create_task(_close_all(previous, signum, frame)))

    signal.signal(signal.SIGTERM, on_term)


async def _close_all(previous: Any, signum: int, frame: Any) -> None:
    consumers = list(_sockets)
    logger.info("stopping: closing %d sockets with %d", len(consumers), CLOSE_GOING_AWAY)
    for consumer in consumers:
        try:
            await consumer.close(code=CLOSE_GOING_AWAY)
        except Exception:
            logger.debug("close failed", exc_info=True)
    await asyncio.sleep(GRACE_SECONDS)  # let the close frames reach the wire
    previous(signum, frame)
