"""Running several calls at once, each on a thread of its own (races on the database)."""

import threading
from collections.abc import Callable


def run_together(calls: list[Callable[[], object]], *, timeout: float | None = None) -> None:
    """Start every call on its own thread, then wait for each (at most `timeout` seconds);
    the callers record outcomes and errors themselves."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
