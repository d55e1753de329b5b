"""The batching writer's one thread, and the hop to it and back.

`loop.run_in_executor` on a ThreadPoolExecutor makes a concurrent.futures Future, a work
item and an asyncio Future chained to it (two callbacks, a lock, a semaphore) for every
call. The writer hops twice per batch, and at moderate load a batch holds one job, so
each delivery and each ack paid that. `run` puts (function, loop, asyncio future) on a
queue and the thread answers with one `call_soon_threadsafe`: 23 µs of CPU per round trip
instead of 54 on this machine (issue 17, docs/performance.md), and about half the wait.

`submit` keeps the Executor interface (a concurrent.futures Future) for everything else
run on the thread: giving the connection back, tests reading the thread's connection.
Everything runs on the one thread in order, so Django's per-thread connection is the
writer's own.
"""

import asyncio
import functools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class WriterThread(Executor):
    def __init__(self, name: str = "writer") -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        # A daemon, as the executor's workers are not: nothing is left to write at exit
        # that a waiter would see (every job's waiter is on the loop, which has ended).
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def run(self, loop: asyncio.AbstractEventLoop, fn: Callable, *args: Any) -> asyncio.Future:
        """fn(*args) on the thread; an asyncio future of `loop` with its result."""
        future = loop.create_future()
        self._put((fn, args, loop, future))
        return future

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        self._put((functools.partial(fn, *args, **kwargs), (), None, future))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """End the thread after what is queued (twice is harmless)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def _put(self, item: tuple) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._queue.put(item)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, args, loop, future = item
            if loop is None:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # the caller's future carries it
                        future.set_exception(exc)
                continue
            try:
                outcome = (True, fn(*args))
            except BaseException as exc:  # the caller's future carries it
                outcome = (False, exc)
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:
                pass  # the loop closed: nobody is waiting


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.done():  # the waiter was cancelled
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
