"""Delivery right after commit, from the process that committed: one thread, woken.

The periodic `manage.py send_webhooks` delivers everything too (and is the only sender
when OUTBOUND_WEBHOOK_IN_PROCESS is off); this only saves the wait for its next pass.
A commit that stored events sets an Event; the thread runs passes of the sender until
nothing is due, then sleeps until the next wake-up or the earliest retry, whichever
comes first. Senders claim rows under a lease, so several processes never POST one
event at once, and a process killed mid-attempt leaves its events due again.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction

from workers.clock import DueClock

# The longest sleep while retries are pending: a retry that another process scheduled
# is picked up within this.
IDLE_CHECK = 60.0


def _pass() -> datetime | None:
    from outbound import sender  # the thread's own import: wake is imported by the outbox

    while sender.deliver_due() == sender.BATCH:
        pass  # a full batch: more are due
    return sender.next_due()


# With nothing pending it sleeps until a commit wakes it.
_clock = DueClock("outbound-webhooks", _pass, longest=lambda: IDLE_CHECK, idle=lambda: None)


def after_commit() -> None:
    """Wake this process's sender once the current transaction commits."""
    if settings.OUTBOUND_WEBHOOK_IN_PROCESS:
        transaction.on_commit(wake)


def wake() -> None:
    """Start the sender thread if needed and have it run a pass."""
    _clock.wake()
