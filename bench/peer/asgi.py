"""ASGI entry point of the peer: Django's ASGI handler, served by daphne.

django-eventstream 5 streams SSE as an async `StreamingHttpResponse`; it needs no
Channels consumer. The same periodic `gc.freeze()` as the app's server (project.gc_tuning,
GC_FREEZE_INTERVAL), so the garbage collector is not what the comparison measures.
"""

import os

from django.core.asgi import get_asgi_application

from project import gc_tuning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
application = get_asgi_application()
gc_tuning.start()
