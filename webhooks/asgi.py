"""POST /webhooks/sns/ as a bare ASGI app, routed to by project/asgi.py.

SNS is a machine: it sends no cookies and reads no HTML, so the browser middleware has
nothing to do for it. Under ASGI each of those middlewares costs thread hops per request
(docs/performance.md). Here a delivery is verified on the event loop, and a `notify`
delivery, parsed and cleaned here once (webhooks/notify.py), is written by the batching
writer with the others waiting (`batch.store`, through notifications.services);
deliveries of other kinds take one hop into the classic path. This and the Django view
answer through webhooks/outcomes.py, so they answer alike.
"""

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from notifications.services import Overloaded
from webhooks import batch, certs, notify, services, sns
from webhooks.outcomes import Outcome, answer, check_size, declared_length, too_large

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
        status, text = await answer(lambda: _deliver(body, headers, declared))
        extra = []
        if status == 503:
            extra.append((b"retry-after", str(settings.NOTIFICATIONS_RETRY_AFTER).encode()))
        await _send(send, status, text.encode(), extra)


async def _deliver(body: bytes, headers: dict[str, str], declared: int) -> Outcome:
    check_size(body, declared)
    try:
        # On the loop: parsing and the signature check need no thread while the signing
        # certificate is pinned or cached, which is every delivery but the first.
        envelope = services.verify_delivery(body=body, headers=headers, fetch=False)
    except certs.NotCached:
        envelope = await sync_to_async(services.verify_delivery, thread_sensitive=False)(
            body=body, headers=headers
        )
    if (delivery := notify.parse(envelope)) is not None:
        return await batch.store(delivery)
    return await _classic(envelope)


# Deliveries on the classic path (job events, confirmations) in flight in this process.
_in_flight = 0


async def _classic(envelope: sns.Envelope) -> Outcome:
    global _in_flight
    if _in_flight >= settings.NOTIFICATIONS_WRITER_QUEUE:
        raise Overloaded("too many deliveries in flight")
    _in_flight += 1
    try:
        return await sync_to_async(_process, thread_sensitive=False)(envelope)
    finally:
        _in_flight -= 1


def _process(envelope: sns.Envelope) -> Outcome:
    # Like a Django request: return the connection to the pool, whatever happens. Not
    # thread-sensitive: deliveries run side by side in the loop's thread pool, as Django
    # runs each request in a thread of its own. Closed here, inside the call's context,
    # rather than with channels' database_sync_to_async, whose closing runs outside it:
    # with that, test runs left pooled connections open on the test database.
    close_old_connections()
    try:
        return services.process_envelope(envelope=envelope)
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
