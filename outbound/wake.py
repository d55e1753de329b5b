"""Delivery right after commit, from the process that committed: one thread, woken.

The periodic `manage.py send_webhooks` delivers everything too (and is the only sender
when OUTBOUND_WEBHOOK_IN_PROCESS is off); this only saves the wait for its next pass.
A commit that stored events sets an Event; the thread runs passes of the sender until
nothing is due, then sleeps until the next wake-up or the earliest retry, whichever
comes first. Senders claim rows under a lease, so several processes never POST one
event at once, and a process killed mid-attempt leaves its events due again.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The longest sleep while retries are pending: a retry that another process scheduled
# is picked up within this.
IDLE_CHECK = 60.0

_wanted = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def after_commit() -> None:
    """Wake this process's sender once the current transaction commits."""
    if settings.OUTBOUND_WEBHOOK_IN_PROCESS:
        transaction.on_commit(wake)


def wake() -> None:
    """Start the sender thread if needed and have it run a pass."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="outbound-webhooks", daemon=True)
            _thread.start()
    _wanted.set()


def _run() -> None:
    from outbound import sender  # the thread's own import: wake is imported by the outbox

    timeout: float | None = None
    while True:
        _wanted.wait(timeout)
        _wanted.clear()
        try:
            while sender.deliver_due() == sender.BATCH:
                pass  # a full batch: more are due
            due = sender.next_due()
            timeout = (
                None
                if due is None
                else min(IDLE_CHECK, max(0.05, (due - timezone.now()) / timedelta(seconds=1)))
            )
        except Exception:
            logger.exception("outbound webhook pass failed; retrying in %.0f s", IDLE_CHECK)
            timeout = IDLE_CHECK
        finally:
            # This thread's connections only: back to the server between passes.
            connections.close_all()
