"""A worker pool that takes jobs round-robin across owners: one user's many uploads
cannot hold every worker while another user's single upload waits behind them all.

The same shape as concurrent.futures' pool (a few threads, started on demand), with one
queue per owner instead of one shared FIFO: a worker takes the next job of the owner who
has waited longest, then that owner goes to the back of the line.
"""

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from functools import partial
from typing import Any

logger = logging.getLogger(__name__)


class FairPool:
    def __init__(self, workers: int, *, name: str = "worker") -> None:
        self.workers, self.name = workers, name
        self._queues: OrderedDict[Any, deque[Callable[[], None]]] = OrderedDict()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []

    def submit(self, owner: Any, fn: Callable[..., None], /, **kwargs: Any) -> None:
        """Queue `fn(**kwargs)` as one of `owner`'s jobs."""
        with self._ready:
            self._queues.setdefault(owner, deque()).append(partial(fn, **kwargs))
            self._ready.notify()
            if len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def waiting(self) -> dict[Any, int]:
        """Jobs queued (not running) per owner."""
        with self._ready:
            return {owner: len(queue) for owner, queue in self._queues.items()}

    def _next(self) -> Callable[[], None]:
        with self._ready:
            while not self._queues:
                self._ready.wait()
            owner, queue = next(iter(self._queues.items()))
            job = queue.popleft()
            del self._queues[owner]
            if queue:
                self._queues[owner] = queue  # to the back of the line
            return job

    def _work(self) -> None:
        while True:
            job = self._next()
            try:
                job()
            except Exception:  # a job reports its own failures; this is a bug
                logger.exception("%s job failed", self.name)
