"""Periodic `gc.freeze()`, so full collections stop walking every open socket.

With about 1,000 sockets a full collection walks every live container and stalls the
event loop for 120-185 ms (docs/performance.md), which sets p99. Freezing every few
seconds moves what survived into the permanent generation; later collections walk only
what is young. The price: a reference cycle that dies after it was frozen is not freed
until an unfreeze. GC_UNFREEZE_INTERVAL runs `gc.unfreeze(); gc.collect()` that often
(one pause, logged) to reclaim those.

Environment, read once at start: GC_FREEZE_INTERVAL (seconds, default 5, 0 = off),
GC_UNFREEZE_INTERVAL (seconds, default 0 = never).
"""

import gc
import logging
import os
import threading
import time

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        logger.warning("%s is not a number; using %s", name, default)
        return default


def start() -> bool:
    """Start the freezer thread once per process; False when off or already running."""
    global _thread
    if _thread is not None:  # the common case, on every call of the ASGI app: no lock
        return False
    freeze = _seconds("GC_FREEZE_INTERVAL", 5.0)
    if freeze <= 0:
        return False
    unfreeze = _seconds("GC_UNFREEZE_INTERVAL", 0.0)
    with _lock:
        if _thread is not None:
            return False
        _thread = threading.Thread(
            target=_run, args=(freeze, unfreeze), name="gc-freeze", daemon=True
        )
        _thread.start()
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
