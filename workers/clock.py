"""A process's clock for due work: one thread that runs passes, then sleeps until the
next thing falls due, a cap, or a wake-up, whichever comes first.

The snooze clock (snooze/clock.py) and the in-process webhook sender (outbound/wake.py)
are each one of these. A pass runs the work until nothing more is due now and returns
when the next thing falls due (None: nothing pending). Passes from other processes, and
the periodic commands, may run at once: each job's claim keeps the work done once.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

SHORTEST = 0.05  # seconds: a due time in the past (or a clock skew) never spins the thread


class DueClock:
    """`wake()` starts the thread if it is not running and has it run a pass now.

    After a pass the thread sleeps until the next due time, at most `longest()` seconds
    (work scheduled by another process is seen within that); with nothing pending it
    sleeps `idle()` seconds (None: until woken); after a failed pass, `longest()`.
    """

    def __init__(
        self,
        name: str,
        run_pass: Callable[[], datetime | None],
        *,
        longest: Callable[[], float],
        idle: Callable[[], float | None],
    ) -> None:
        self.name = name
        self.run_pass = run_pass
        self.longest = longest
        self.idle = idle
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        sleep: float | None = None
        while True:
            self._wanted.wait(sleep)
            self._wanted.clear()
            try:
                due = self.run_pass()
                sleep = self.idle() if due is None else self._until(due)
            except Exception:
                logger.exception("%s pass failed; retrying in %.0f s", self.name, self.longest())
                sleep = self.longest()
            finally:
                # This thread's connections only: back to the server between passes.
                connections.close_all()

    def _until(self, due: datetime) -> float:
        seconds = (due - timezone.now()) / timedelta(seconds=1)
        return min(self.longest(), max(SHORTEST, seconds))
