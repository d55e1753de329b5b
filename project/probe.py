"""GET /ping: "this process answers", for clients deciding whether to reconnect early.

A browser whose socket could not reach the server asks this during a long backoff wait
(static/notifications/probe.js) and reconnects soon after a 2xx. So it must cost next to
nothing: a raw ASGI app, no Django, no session, no database, no Redis, and it reveals
nothing (204, no body) to anyone unauthenticated. It stands behind the admission door
(project/asgi.py): a process that is behind answers 503 + Retry-After, which the client
honours, before any of this runs. Not a readiness check of the database or Redis: a
socket's handshake tells those (4503 with a hint).
"""

from typing import Any

HEADERS = [(b"cache-control", b"no-store")]


async def ping(scope: dict, receive: Any, send: Any) -> None:
    """204 for GET and HEAD; 405 for anything else."""
    if scope["method"] in ("GET", "HEAD"):
        status, headers = 204, HEADERS
    else:
        status, headers = 405, [*HEADERS, (b"allow", b"GET, HEAD"), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
