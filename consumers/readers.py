"""The handshake's authentication reads (session and user, or bearer token) on threads of
their own.

`database_sync_to_async` runs every call on asgiref's one shared thread, one at a time,
behind every other socket's reads, and that thread gave its connection back to the pool
now and then (after every call on SQLite), each check-out costing the pool's
health-check round trip (`CONN_HEALTH_CHECKS`). The `sync` read after the group join
stays there: asgiref lets a call already running finish and its caller go on even when
the handshake is cancelled, and the socket's cleanup relies on that.

Here each of `READERS` threads keeps its connection while work keeps coming and returns
it to the pool after `IDLE_RELEASE` seconds without any; a call goes to the reader with
the least work queued, so round trips of different handshakes overlap, and the shared
thread is left to everything else. A connection that fails is closed at once and the
call tried once more on a fresh one (checked by the pool): after a database outage no
handshake fails only because its reader held a dead connection. The calls run in
autocommit and end any atomic block they open: a held connection holds no transaction.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Connections of the pool (DB_POOL_MAX_SIZE) these may hold at once. Two, not more: each
# is a thread that competes with the event loop for the GIL, and on a starved core the
# loop's lateness is what refuses handshakes (project/admission.py).
READERS = 2
IDLE_RELEASE = 1.0  # seconds without work before a reader gives its connection back


class _Reader(threading.Thread):
    """One thread and the connection it holds between calls."""

    def __init__(self, index: int) -> None:
        super().__init__(name=f"socket-reader-{index}", daemon=True)
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.queued = 0  # changed on the event loop's thread only
        self.holding = False

    def run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=IDLE_RELEASE if self.holding else None)
            except queue.Empty:
                self.release()
                continue
            if isinstance(job, threading.Event):  # Readers.release(): give it back now
                self.release()
                job.set()
                continue
            self.run_job(*job)

    def run_job(
        self, func: Callable[[], Any], loop: asyncio.AbstractEventLoop, future: Any
    ) -> None:
        try:
            result, error = self.call(func), None
        except BaseException as exc:  # handed to the awaiting coroutine
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the loop is closed: nobody waits for this answer
            pass

    def call(self, func: Callable[[], Any]) -> Any:
        reused = self.holding
        self.holding = True
        try:
            return func()
        except DatabaseError:
            self.release()  # a failed connection never serves the next call
            if not reused:
                raise
            # It may have died while held (a database restart): once more, on a fresh one.
            logger.info("socket read failed on a held connection; retrying on a fresh one")
            self.holding = True
            try:
                return func()
            except DatabaseError:
                self.release()
                raise

    def release(self) -> None:
        if self.holding:
            self.holding = False
            connections.close_all()  # this thread's: back to the pool


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Readers:
    def __init__(self, count: int = READERS) -> None:
        self.count = count
        self._readers: list[_Reader] = []
        self._lock = threading.Lock()

    def _started(self) -> list[_Reader]:
        with self._lock:
            if not self._readers:
                self._readers = [_Reader(i) for i in range(self.count)]
                for reader in self._readers:
                    reader.start()
            return self._readers

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """func(*args, **kwargs) on the reader with the least work queued."""
        reader = min(self._started(), key=lambda r: r.queued)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        reader.queued += 1
        reader.jobs.put((lambda: func(*args, **kwargs), loop, future))
        try:
            return await future
        finally:
            reader.queued -= 1

    def release(self, timeout: float = 5.0) -> None:
        """Every reader gives its connection back now (tests: before the database goes)."""
        done = []
        for reader in self._readers:
            done.append(threading.Event())
            reader.jobs.put(done[-1])
        for event in done:
            event.wait(timeout)


readers = Readers()
