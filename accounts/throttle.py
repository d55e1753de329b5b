"""A fixed-window counter per key, in this process: "at most N per window".

The same shape as the bearer failure limit (accounts.auth): counted per server process,
memory bounded (the oldest windows are forgotten first), thread-safe (sync views run in
threads). Used for per-user and per-address limits whose exact sum across processes does
not matter: each process refuses on its own count.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_TRACKED = 10_000


class Window:
    """`hit(key)` counts one event; over `limit()` events within `window()` seconds of the
    window's first, it answers the seconds left instead of None.

    The limit and window are read per call (settings can change in tests and at runtime).
    """

    def __init__(self, limit: Callable[[], int], window: Callable[[], float]) -> None:
        self._limit, self._window = limit, window
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one event for `key`; None while within the limit, else seconds to wait."""
        now, window = time.monotonic(), self._window()
        with self._lock:
            started, count = self._counts.get(key, (now, 0))
            if now - started >= window:
                started, count = now, 0
            count += 1
            self._counts[key] = (started, count)
            self._counts.move_to_end(key)
            while len(self._counts) > MAX_TRACKED:
                self._counts.popitem(last=False)
        if count > self._limit():
            return max(1, math.ceil(started + window - now))
        return None

    def blocked(self, key: str) -> int | None:
        """Seconds left while `key` is over the limit (counting nothing), else None."""
        now = time.monotonic()
        with self._lock:
            started, count = self._counts.get(key, (now, 0))
        window = self._window()
        if now - started >= window or count <= self._limit():
            return None
        return max(1, math.ceil(started + window - now))

    def first_refusal(self, key: str) -> bool:
        """True exactly once per key and window: when the count first passed the limit
        (log one line then, never one per refused event of a flood)."""
        with self._lock:
            _, count = self._counts.get(key, (0.0, 0))
        return count == self._limit() + 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
