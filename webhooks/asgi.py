"""POST /webhooks/sns/ as a bare ASGI app, routed to by project/asgi.py.

SNS is a machine: it sends no cookies and reads no HTML, so the browser middleware has
nothing to do for it. Under ASGI each of those middlewares costs thread hops per request
(docs/performance.md); here a delivery costs one hop, into `views.respond`, the same
function the Django view calls, so both entry points answer exactly alike.
"""

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from webhooks import sns
from webhooks.views import declared_length, respond, too_large

logger = logging.getLogger(__name__)

TEXT = (b"content-type", b"text/plain; charset=utf-8")


class SNSWebhookApp:
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        if scope["method"] != "POST":
            await _send(send, 405, b"", [(b"allow", b"POST")])
            return
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            key, text = name.decode("latin1").lower(), value.decode("latin1")
            # Repeated headers joined as Django's request.headers does.
            headers[key] = f"{headers[key]},{text}" if key in headers else text
        declared = declared_length(headers.get("content-length"))
        body = b"" if too_large(declared) else await _read_body(receive, sns.MAX_BODY_BYTES + 1)
        if body is None:
            return  # the client went away
        try:
            status, text = await sync_to_async(_respond, thread_sensitive=False)(
                body, headers, declared
            )
        except Exception:
            logger.exception("SNS delivery failed")
            status, text = 500, ""
        await _send(send, status, text.encode())


def _respond(body: bytes, headers: dict[str, str], declared: int) -> tuple[int, str]:
    # Like a Django request: return the connection to the pool, whatever happens. Not
    # thread-sensitive: deliveries run side by side in the loop's thread pool, as Django
    # runs each request in a thread of its own. Closed here, inside the call's context,
    # rather than with channels' database_sync_to_async, whose closing runs outside it:
    # with that, test runs left pooled connections open on the test database.
    close_old_connections()
    try:
        return respond(body=body, headers=headers, declared=declared)
    finally:
        close_old_connections()


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """At most `limit` bytes of the request body; None if the client disconnected."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        event = await receive()
        if event["type"] == "http.disconnect":
            return None
        chunk = event.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not event.get("more_body", False):
            break
    return b"".join(chunks)[:limit]


async def _send(send: Any, status: int, body: bytes, extra: list | None = None) -> None:
    headers = [TEXT, (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
