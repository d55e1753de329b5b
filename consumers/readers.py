"""The handshake's reads (session and user, or bearer token; then the `sync` frame) on
threads of their own.

`database_sync_to_async` runs every call on asgiref's one shared thread, one at a time,
behind every other socket's reads, and that thread gave its connection back to the pool
now and then (after every call on SQLite), each check-out costing the pool's
health-check round trip (`CONN_HEALTH_CHECKS`).

Here each of `READERS` threads keeps its connection while work keeps coming and returns
it to the pool after `IDLE_RELEASE` seconds without any. The calls made in one turn of
the event loop are shared out over the readers, least loaded first, as one job each:
one wake-up of a thread per turn, not per call, and round trips of different handshakes
overlap. A connection that fails is closed at once and the call tried once more on a
fresh one (checked by the pool): after a database outage no handshake fails only
because its reader held a dead connection. The calls run in autocommit and end any
atomic block they open: a held connection holds no transaction. A handshake cancelled
while its call waits or runs stops waiting; the call's answer is dropped, and the
consumer's own cleanup (`NotificationConsumer.__call__`) leaves the layer.
"""

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")

# Connections of the pool (DB_POOL_MAX_SIZE) these may hold at once. Two, not more: each
# is a thread that competes with the event loop for the GIL, and on a starved core the
# loop's lateness is what refuses handshakes (project/admission.py).
READERS = 2
IDLE_RELEASE = 1.0  # seconds without work before a reader gives its connection back
# Keys per `run_each` call: a layer's recovery resyncs every socket of the process in one
# turn, and a statement of thousands of reads would hold a reader for all of them.
EACH_AT_MOST = 64

# A reader's unit of work: a function answering a list, and the futures of its answers.
Call = tuple[Callable[[], list[Any]], list[Any]]


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

    def run_job(self, loop: asyncio.AbstractEventLoop, calls: list[Call]) -> None:
        answers = []
        for func, futures in calls:
            try:
                answers.append((futures, self.call(func), None))
            except BaseException as exc:  # handed to every awaiting coroutine of the call
                answers.append((futures, None, exc))
        try:
            # One wake-up of the loop for the whole batch.
            loop.call_soon_threadsafe(_settle, self, answers)
        except RuntimeError:  # the loop is closed: nobody waits for these answers
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


def _settle(
    reader: _Reader, answers: list[tuple[list[Any], list[Any] | None, BaseException | None]]
) -> None:
    """Each call's answers, one per future, in order (or its exception for all)."""
    for futures, results, error in answers:
        reader.queued -= len(futures)
        for future, value in zip(futures, results or [None] * len(futures), strict=True):
            _set(future, value, error)


def _set(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _one(func: Callable[[], Any]) -> list[Any]:
    return [func()]


class _Turn:
    """The calls of one turn of a loop, not handed to a reader yet."""

    __slots__ = ("calls", "groups")

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[[], Any], Any]] = []
        # run_each: per function of many keys, its keys and their futures.
        self.groups: dict[Callable[[list[Any]], list[Any]], tuple[list[Any], list[Any]]] = {}


class Readers:
    def __init__(self, count: int = READERS) -> None:
        self.count = count
        self._readers: list[_Reader] = []
        self._lock = threading.Lock()
        self._pending: dict[asyncio.AbstractEventLoop, _Turn] = {}

    def _started(self) -> list[_Reader]:
        with self._lock:
            if not self._readers:
                self._readers = [_Reader(i) for i in range(self.count)]
                for reader in self._readers:
                    reader.start()
            return self._readers

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """func(*args, **kwargs) on a reader.

        The calls made in one turn of the event loop go to a reader together, as one job:
        one wake-up of the thread, not one per call. In a reconnect storm a turn of the
        loop starts many handshakes, and each wake-up cost the loop more than the call's
        own work there (a woken thread takes the core, and the GIL, from the loop)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._turn(loop).calls.append((functools.partial(func, *args, **kwargs), future))
        return await future

    async def run_each(self, many: Callable[[list[K]], list[T]], key: K) -> T:
        """`many`'s answer for `key`: the keys asked of the same `many` in one turn of the
        loop go to it together, in one call (one round trip for all where it can), which
        answers each in order. An exception it raises is every one's answer."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        keys, futures = self._turn(loop).groups.setdefault(many, ([], []))
        keys.append(key)
        futures.append(future)
        return await future

    def _turn(self, loop: asyncio.AbstractEventLoop) -> _Turn:
        turn = self._pending.get(loop)
        if turn is None:
            turn = self._pending[loop] = _Turn()
            loop.call_soon(self._hand_over, loop)
        return turn

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        turn = self._pending.pop(loop, None)
        if turn is None:
            return
        # Every call answers a list, one answer per future: a single call a list of one.
        calls = [(functools.partial(_one, func), [future]) for func, future in turn.calls]
        for many, (keys, futures) in turn.groups.items():
            for start in range(0, len(keys), EACH_AT_MOST):
                chunk = slice(start, start + EACH_AT_MOST)
                calls.append((functools.partial(many, keys[chunk]), futures[chunk]))
        if not calls:
            return
        # Shared out over the readers, least loaded first, so their round trips overlap.
        readers = sorted(self._started(), key=lambda r: r.queued)[: len(calls)]
        for index, reader in enumerate(readers):
            share = calls[index :: len(readers)]
            reader.queued += sum(len(futures) for _, futures in share)
            reader.jobs.put((loop, share))

    def release(self, timeout: float = 5.0) -> None:
        """Every reader gives its connection back now (tests: before the database goes)."""
        done = []
        for reader in self._readers:
            done.append(threading.Event())
            reader.jobs.put(done[-1])
        for event in done:
            event.wait(timeout)


readers = Readers()
