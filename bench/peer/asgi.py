"""ASGI entry point of the peer: Django's ASGI handler, served by daphne.

django-eventstream 5 streams SSE as an async `StreamingHttpResponse`; it needs no
Channels consumer. The same periodic `gc.freeze()` as the app's server (GC_FREEZE_INTERVAL,
default 5 s, 0 = off), so the garbage collector is not what the comparison measures.
"""

import gc
import os
import threading
import time

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
application = get_asgi_application()


def _freeze(every: float) -> None:
    while True:
        time.sleep(every)
        gc.freeze()


_every = float(os.environ.get("GC_FREEZE_INTERVAL", "5"))
if _every > 0:
    threading.Thread(target=_freeze, args=(_every,), name="gc-freeze", daemon=True).start()
