"""ASGI entry point: HTTP to Django; WebSocket through origin check and auth to consumers."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from consumers import backpressure  # noqa: E402
from consumers.auth import TokenOrSessionAuthMiddleware  # noqa: E402
from consumers.eventstream import EventStreamApp  # noqa: E402
from consumers.routing import websocket_urlpatterns  # noqa: E402
from consumers.security import OriginValidator  # noqa: E402
from project import admission, gc_tuning, probe, server  # noqa: E402
from project.forwarded import trusting_proxies  # noqa: E402
from project.handshakes import HandshakeGate  # noqa: E402
from project.streams import StreamGate  # noqa: E402
from snooze import clock as snooze_clock  # noqa: E402
from webhooks.asgi import SNSWebhookApp  # noqa: E402

backpressure.install()  # under daphne: bound what is queued for a socket that does not read
server.install()  # under daphne: backlog, connections per address, request deadline

# The door of every socket; a name for tests, which reset its per-address counts.
handshake_gate = HandshakeGate(
    OriginValidator(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns)))
)

stream_gate = StreamGate(EventStreamApp(), handshake_gate.per_address)

# The client address first: every limit below keys on it (project/forwarded.py).
router = trusting_proxies(
    ProtocolTypeRouter(
        {
            "http": URLRouter(
                [
                    # The same paths as webhooks/urls.py, without Django's browser middleware.
                    re_path(r"^webhooks/sns/?\Z", admission.AdmitProducers(SNSWebhookApp())),
                    # The notify API behind the same door, before Django's thread hop.
                    re_path(r"^api/notify/?\Z", admission.AdmitProducers(django_asgi_app)),
                    # "Is the server back?" for clients in a long backoff (project/probe.py).
                    re_path(r"^ping/?\Z", admission.AdmitProducers(probe.ping, "probes")),
                    # The socket's Server-Sent Events fallback: a long response on the loop,
                    # behind the sockets' door rules (project/streams.py).
                    re_path(r"^sse/notifications/?\Z", stream_gate),
                    re_path(r"", django_asgi_app),
                ]
            ),
            # The door first: a refusal there costs no Redis and no database.
            "websocket": handshake_gate,
        }
    )
)


async def application(scope: dict, receive: Any, send: Any) -> None:
    """The router, starting this process's GC freezer (project/gc_tuning.py) and snooze
    clock (snooze/clock.py) on first use, not on import: importing this
    module (a test, a script) starts no thread."""
    gc_tuning.start()
    admission.lag.start()
    snooze_clock.start()
    await router(scope, receive, send)
