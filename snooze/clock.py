"""Each server process's snooze clock: one thread that wakes snoozed messages on time.

It runs a pass of `snooze.wake_due` at start (what came due while no process ran, e.g.
across a restart), then sleeps until the earliest snooze ends, at most
NOTIFICATIONS_SNOOZE_CHECK_INTERVAL (snoozes set by other processes are seen within
that), or until a snooze commits in this process. The periodic `manage.py wake_snoozed`
does the same from a worker; every waker claims each wake-up in one statement, so any
number of them may run at once (snooze/services.py).
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_wanted = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def start() -> None:
    """Start this process's clock once (NOTIFICATIONS_SNOOZE_IN_PROCESS), and run a pass."""
    global _thread
    if _thread is not None or not settings.NOTIFICATIONS_SNOOZE_IN_PROCESS:
        return  # every request calls this: one check once started
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="snooze-clock", daemon=True)
            _thread.start()
            _wanted.set()


def after_commit() -> None:
    """Have a running clock look again once the current transaction commits (a new
    snooze may end before its planned wake-up)."""
    if _thread is not None:
        transaction.on_commit(_wanted.set)


def _run() -> None:
    from snooze import services as snooze  # the thread's own: services imports this module

    while True:
        _wanted.wait(_sleep)
        _wanted.clear()
        try:
            while snooze.wake_due() == snooze.BATCH:
                pass  # a full batch: more are due
            due = snooze.next_due()
            _set_sleep(None if due is None else (due - timezone.now()) / timedelta(seconds=1))
        except Exception:
            logger.exception("snooze wake-up pass failed; retrying")
            _set_sleep(None)
        finally:
            # This thread's connections only: back to the server between passes.
            connections.close_all()


_sleep: float = 0.0


def _set_sleep(seconds: float | None) -> None:
    global _sleep
    longest = settings.NOTIFICATIONS_SNOOZE_CHECK_INTERVAL
    _sleep = longest if seconds is None else min(longest, max(0.05, seconds))
