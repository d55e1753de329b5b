"""Each server process's snooze clock: one thread that wakes snoozed messages on time.

It runs a pass of `snooze.wake_due` at start (what came due while no process ran, e.g.
across a restart), then sleeps until the earliest snooze ends, at most
NOTIFICATIONS_SNOOZE_CHECK_INTERVAL (snoozes set by other processes are seen within
that), or until a snooze commits in this process. The periodic `manage.py wake_snoozed`
does the same from a worker; every waker claims each wake-up in one statement, so any
number of them may run at once (snooze/services.py).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction

from workers.clock import DueClock


def _pass() -> datetime | None:
    from snooze import services as snooze  # the thread's own: services imports this module

    while snooze.wake_due() == snooze.BATCH:
        pass  # a full batch: more are due
    return snooze.next_due()


def _interval() -> float:
    return settings.NOTIFICATIONS_SNOOZE_CHECK_INTERVAL


# With nothing snoozed it still looks every interval: snoozes set by other processes.
_clock = DueClock("snooze-clock", _pass, longest=_interval, idle=_interval)


def start() -> None:
    """Start this process's clock once (NOTIFICATIONS_SNOOZE_IN_PROCESS), and run a pass."""
    if _clock.started or not settings.NOTIFICATIONS_SNOOZE_IN_PROCESS:
        return  # every request calls this: one check once started
    _clock.wake()


def after_commit() -> None:
    """Have a running clock look again once the current transaction commits (a new
    snooze may end before its planned wake-up)."""
    if _clock.started:
        transaction.on_commit(_clock.wake)
