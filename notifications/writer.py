"""The batching writer ("group commit") for the hot writes: deliveries, notify, acks.

Each event loop (one per server process) has one writer. Callers `await submit(...)` a
job; the writer takes whatever is waiting (up to BATCH jobs; no timer: a job that arrives
while a batch runs is in the next one), runs the whole batch in one transaction in one
thread hop with multi-row statements, sends the batch's frames in one layer round trip,
and only then answers every waiter. Under load batches grow and the cost per job falls.

A handler may ask its jobs to wait (`gather`, seconds): they are held back for at most
that long, so that several share one batch, and go with the next batch that starts for
any other job before then. Acks do (NOTIFICATIONS_ACK_GATHER): at moderate load each
ack was a batch of its own, a thread hop and a round trip per dismissal, while it can
ride with the next delivery's batch instead (issue 17). Deliveries never wait.

Guarantees:
- nothing is sent or answered before it is committed;
- a failing batch is retried (deadlocks, serialisation failures), then run job by job,
  each in a transaction of its own, so one bad row fails alone; handlers that need no
  shared transaction (acks) run first, on their own, so such a retry never repeats them;
- the queue is bounded (NOTIFICATIONS_WRITER_QUEUE): past it `submit` raises
  `Overloaded` at once, and callers answer 503 with Retry-After instead of queueing.

A job's handler says how to run many jobs of its kind in the batch's transaction and how
to run one on its own; handlers live with the app that owns the rows (notifications.bulk,
webhooks.batch).
"""

import asyncio
import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction

import live
from notifications import metrics
from sqlreads import Plan, run_together
from workers.writer_thread import WriterThread

logger = logging.getLogger(__name__)

BATCH = 256
RETRIES = 3
# Seconds without a batch before the writer's thread gives its connection back to the
# pool. Shorter gaps keep it: a check-out costs the pool's health check round trip
# (CONN_HEALTH_CHECKS) and Django's connection set-up, which at moderate load, a batch of
# one or two jobs at a time, was a sixth of the writer's CPU (issue 17). After a longer
# gap the next batch checks out a connection the pool has just tested, as a request does.
IDLE_RELEASE = 1.0


class Overloaded(Exception):
    """The writer's queue is full: refuse now (503 with Retry-After), never queue more."""


class JobHandler(Protocol):
    """How to write jobs of one kind: many in the batch's transaction, or one alone.

    A handler may set `atomic = False` when each of its statements is complete alone (one
    UPDATE ... RETURNING, then reads): its part of a batch then runs without BEGIN and
    COMMIT, two round trips fewer.
    """

    def run_batch(self, payloads: list[Any]) -> tuple[list[Any], list[live.Send]]:
        """Results in payload order, and the frames to send after commit."""
        ...

    def run_one(self, payload: Any) -> tuple[Any, list[live.Send]]:
        """One job in its own transaction (the isolation path)."""
        ...


def _gather(handler: JobHandler) -> float:
    """Seconds a job of `handler` may wait for others (its `gather`; 0: none)."""
    return getattr(handler, "gather", 0.0)


@dataclass
class _Job:
    handler: JobHandler
    payload: Any
    future: asyncio.Future
    queued: float = field(default_factory=time.perf_counter)


class Writer:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[_Job] = []
        self.task: asyncio.Task | None = None
        # One thread: batches are serial by design; the next one gathers meanwhile.
        self.thread = WriterThread()
        self.idle_since = 0.0
        self.release: asyncio.TimerHandle | None = None
        # Jobs held back to share a batch (a handler's `gather`), and the timer that
        # queues them when the first of them has waited its time.
        self.gathered: list[_Job] = []
        self.gathering: asyncio.TimerHandle | None = None

    def submit(self, handler: JobHandler, payload: Any, *, bounded: bool = True) -> asyncio.Future:
        """Queue one job; its future resolves after commit (and send) with its result.

        `bounded=False` is for acks: each socket's rate limit already bounds them, and
        refusing an ack would only make the client send it again.
        """
        if bounded and len(self.pending) >= settings.NOTIFICATIONS_WRITER_QUEUE:
            metrics.WRITER_REFUSED.inc()
            raise Overloaded("the writer's queue is full")
        job = _Job(handler, payload, self.loop.create_future())
        wait = _gather(handler)
        # While a batch runs, the next one starts right after it: no reason to wait then.
        if wait > 0 and self.task is None:
            self.gathered.append(job)
            if self.gathering is None:
                self.gathering = self.loop.call_later(wait, self._queue_gathered)
            return job.future
        self.pending.append(job)
        if self.task is None:
            self.task = self.loop.create_task(self._drain())
        return job.future

    def _queue_gathered(self) -> None:
        """The first held-back job has waited its time: all of them go in the next batch."""
        self._take_gathered()
        if self.pending and self.task is None:
            self.task = self.loop.create_task(self._drain())

    def _take_gathered(self) -> None:
        """A batch is about to start: the held-back jobs go with it instead of waiting."""
        if self.gathering is not None:
            self.gathering.cancel()
            self.gathering = None
        self.pending.extend(self.gathered)
        self.gathered = []

    async def _drain(self) -> None:
        try:
            while self.pending:
                self._take_gathered()
                batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
                await self._run(batch)
        finally:
            self.task = None
            self.idle_since = self.loop.time()
            if self.release is None and not self.loop.is_closed():
                self.release = self.loop.call_later(IDLE_RELEASE, self._release_if_idle)

    def _release_if_idle(self) -> None:
        """Give the thread's connection back once no batch ran for IDLE_RELEASE seconds."""
        self.release = None
        if self.task is not None:
            return  # a batch is running; its end schedules this again
        left = self.idle_since + IDLE_RELEASE - self.loop.time()
        if left > 0:
            self.release = self.loop.call_later(left, self._release_if_idle)
            return
        self.loop.run_in_executor(self.thread, _release_connection)

    async def _run(self, batch: list[_Job]) -> None:
        metrics.WRITER_BATCH.observe(len(batch))
        try:
            outcomes, sends = await self.thread.run(self.loop, _write, batch)
        except Exception as exc:  # _write answers per job; this is a bug or a dead thread
            logger.exception("writer batch of %d failed", len(batch))
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        committed = time.perf_counter()
        for job in batch:
            metrics.INGRESS_TO_COMMIT.observe(committed - job.queued)
        await live.send_many(sends)
        metrics.COMMIT_TO_SEND.observe(time.perf_counter() - committed)
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if job.future.done():  # the waiter went away (cancelled)
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)


def _write(batch: list[_Job]) -> tuple[list[tuple[bool, Any]], list[live.Send]]:
    """In the writer's thread: the batch in one transaction, else job by job.

    The thread keeps its connection for the next batch (no check-out from the pool, no
    health check round trip) until IDLE_RELEASE passes with no batch; after any failure
    it goes back at once, as a failed request's does.
    """
    failed = False
    outcomes: list[tuple[bool, Any]] = [(False, None)] * len(batch)
    sends: list[live.Send] = []
    try:
        # Kinds whose statements are each atomic alone (`atomic = False`) run first, with
        # no transaction around them: a failure later in the batch then never runs them
        # twice. The others share one transaction.
        alone = [i for i, job in enumerate(batch) if not getattr(job.handler, "atomic", True)]
        together = [i for i, job in enumerate(batch) if getattr(job.handler, "atomic", True)]
        for indexes, atomic in ((alone, False), (together, True)):
            if not indexes:
                continue
            group = [batch[i] for i in indexes]
            group_outcomes, group_sends, group_failed = _write_group(group, atomic=atomic)
            failed = failed or group_failed
            for index, outcome in zip(indexes, group_outcomes, strict=True):
                outcomes[index] = outcome
            sends.extend(group_sends)
        return outcomes, sends
    except BaseException:
        failed = True
        raise
    finally:
        if failed:
            _release_connection()


def _release_connection() -> None:
    # In the writer's thread: Django's end-of-request step (CONN_MAX_AGE is 0, so the
    # connection goes back to the pool). Never raises into a future nobody awaits.
    try:
        _unbound_session()
        close_old_connections()
    except Exception:
        logger.warning("the writer could not release its connection", exc_info=True)


def _unbound_session() -> None:
    """Reset the session's lock bound before the connection goes back to the pool."""
    bounded, _session.bounded = getattr(_session, "bounded", None), None
    connection = transaction.get_connection()
    if bounded is not None and connection.connection is bounded and not bounded.closed:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout TO DEFAULT")


def _write_group(
    group: list[_Job], *, atomic: bool
) -> tuple[list[tuple[bool, Any]], list[live.Send], bool]:
    """The group as one batch (retried when the database asks), else job by job; whether
    it had to go job by job."""
    for attempt in range(RETRIES):
        try:
            return (*_write_batch(group, atomic=atomic), False)
        except DatabaseError as exc:
            if not _retryable(exc) or attempt == RETRIES - 1:
                logger.info("batch of %d failed (%s); one by one", len(group), exc)
                break
    return (*_write_each(group), True)


def _write_batch(
    batch: list[_Job], *, atomic: bool = True
) -> tuple[list[tuple[bool, Any]], list[live.Send]]:
    by_handler: dict[int, list[int]] = {}
    handlers: dict[int, JobHandler] = {}
    for index, job in enumerate(batch):
        by_handler.setdefault(id(job.handler), []).append(index)
        handlers[id(job.handler)] = job.handler
    outcomes: list[tuple[bool, Any]] = [(False, None)] * len(batch)
    sends: list[live.Send] = []
    with transaction.atomic() if atomic else nullcontext():
        _bound_lock_wait(local=atomic)
        planned: list[tuple[list[int], Plan[Any]]] = []
        for key, indexes in by_handler.items():
            handler, payloads = handlers[key], [batch[i].payload for i in indexes]
            # A kind that can say its statements without running them (`plan_batch`)
            # sends them in one round trip with the other kinds' (an ack riding with
            # the delivery's batch costs no round trip of its own).
            plan_batch = getattr(handler, "plan_batch", None)
            plan = plan_batch(payloads) if plan_batch is not None else None
            if plan is None:
                planned.append((indexes, Plan([], lambda _, h=handler, p=payloads: h.run_batch(p))))
            else:
                planned.append((indexes, plan))
        made = run_together([plan for _, plan in planned])
        for (indexes, _), (results, handler_sends) in zip(planned, made, strict=True):
            for index, result in zip(indexes, results, strict=True):
                outcomes[index] = (True, result)
            sends.extend(handler_sends)
    return outcomes, sends


def _write_each(batch: list[_Job]) -> tuple[list[tuple[bool, Any]], list[live.Send]]:
    outcomes: list[tuple[bool, Any]] = []
    sends: list[live.Send] = []
    for job in batch:
        try:
            with transaction.atomic():
                _bound_lock_wait()
                result, job_sends = job.handler.run_one(job.payload)
        except Exception as exc:
            logger.warning("write refused alone: %s", type(exc).__name__, exc_info=True)
            outcomes.append((False, exc))
            continue
        outcomes.append((True, result))
        sends.extend(job_sends)
    return outcomes, sends


def _bound_lock_wait(*, local: bool = True) -> None:
    """PostgreSQL: this transaction waits at most NOTIFICATIONS_WRITER_LOCK_TIMEOUT for a
    row lock. A user's long write outside the writer (a request marking thousands of
    messages read) holds that user's counter row; without a bound, a batch with one job
    of that user waited for it with every other user's job in it (issue #19). Past the
    bound the batch runs job by job and only the blocked job fails (DatabaseError, which
    its producer answers 503 or an `unavailable` frame). SQLite has no row locks: its
    busy timeout bounds the wait for the database's one write lock.

    Kinds that run outside a transaction (`atomic = False`) get the bound on the writer's
    session instead, set once per connection (not a round trip per batch) and reset when
    the connection goes back to the pool (`_release_connection`), so no request inherits it.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    if not local:
        connection.ensure_connection()
        if getattr(_session, "bounded", None) is connection.connection:
            return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, %s)",
            [f"{int(settings.NOTIFICATIONS_WRITER_LOCK_TIMEOUT * 1000)}ms", local],
        )
    if not local:
        _session.bounded = connection.connection


# Per writer thread: the raw connection whose session carries the lock bound.
_session = threading.local()


def _retryable(exc: DatabaseError) -> bool:
    # psycopg: deadlock_detected 40P01, serialization_failure 40001; SQLite: busy.
    code = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return code in {"40P01", "40001"} or "database is locked" in str(exc)


_writers: "WeakKeyDictionary[asyncio.AbstractEventLoop, Writer]" = WeakKeyDictionary()
# Every writer whose loop may still close (a server has one loop for its life; tests and
# scripts run many): held here until its connection is given back.
_open: list[Writer] = []
_starting = threading.Lock()


def get_writer() -> Writer:
    """This event loop's writer (each server process has one loop)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        # Loops in several threads (tests, scripts) may start writers at once: one at a
        # time retires the closed ones, or two would shut the same thread down twice.
        with _starting:
            _retire_closed()
            writer = _writers[loop] = Writer(loop)
            _open.append(writer)
    return writer


def _retire_closed() -> None:
    """Writers of loops that closed: the idle release can no longer run there, so their
    threads give their connections back to the pool now, and end."""
    for writer in [w for w in _open if w.loop.is_closed()]:
        if writer.release is not None:
            writer.release.cancel()
        writer.thread.submit(_release_connection)
        writer.thread.shutdown(wait=False)
        _open.remove(writer)


async def submit(handler: JobHandler, payload: Any, *, bounded: bool = True) -> Any:
    """Write one job through this loop's writer; its result once committed and sent."""
    return await get_writer().submit(handler, payload, bounded=bounded)
