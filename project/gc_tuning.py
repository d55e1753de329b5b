"""Periodic `gc.freeze()`, so full collections stop walking every open socket.

With about 1,000 sockets a full collection walks every live container and stalls the
event loop for 120-185 ms (docs/performance.md), which sets p99. Freezing every few
seconds moves what survived into the permanent generation; later collections walk only
what is young. The price: a reference cycle that dies after it was frozen is not freed
until an unfreeze. GC_UNFREEZE_INTERVAL runs `gc.unfreeze(); gc.collect()` that often
(one pause, logged) to reclaim those.

Environment, read once at start: GC_FREEZE_INTERVAL (seconds, default 5, 0 = off),
GC_UNFREEZE_INTERVAL (seconds, default 0 = never).

Every full collection's pause is measured (`server_gc_full_collection_seconds`), freezer or
not: whether one lands in a step sets p99, and a bench or an operator can tell.
"""

import gc
import logging
import os
import threading
import time
from typing import Any

from prometheus_client import Histogram

logger = logging.getLogger(__name__)

FULL_COLLECTIONS = Histogram(
    "server_gc_full_collection_seconds",
    "Full garbage collections (generation 2) in this process, and how long each took.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

_lock = threading.Lock()
_started = False
_began = 0.0


def _time_full(phase: str, info: dict[str, Any]) -> None:
    """A gc callback: the pause of each full collection (the young ones are not timed)."""
    global _began
    if info["generation"] != 2:
        return
    if phase == "start":
        _began = time.perf_counter()
    else:
        FULL_COLLECTIONS.observe(time.perf_counter() - _began)


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        logger.warning("%s is not a number; using %s", name, default)
        return default


def start() -> bool:
    """Time full collections and start the freezer thread, once per process; False when
    the freezer is off or already running."""
    global _started
    if _started:  # the common case, on every call of the ASGI app: no lock
        return False
    with _lock:
        if _started:
            return False
        _started = True
        gc.callbacks.append(_time_full)
        freeze = _seconds("GC_FREEZE_INTERVAL", 5.0)
        if freeze <= 0:
            return False
        unfreeze = _seconds("GC_UNFREEZE_INTERVAL", 0.0)
        threading.Thread(
            target=_run, args=(freeze, unfreeze), name="gc-freeze", daemon=True
        ).start()
    return True


def _run(freeze: float, unfreeze: float) -> None:
    last_full = time.monotonic()
    while True:
        time.sleep(freeze)
        if unfreeze > 0 and time.monotonic() - last_full >= unfreeze:
            started = time.perf_counter()
            gc.unfreeze()
            found = gc.collect()
            logger.info(
                "gc: unfreeze and full collection freed %d objects in %.0f ms",
                found,
                1000 * (time.perf_counter() - started),
            )
            last_full = time.monotonic()
        gc.freeze()
