"""The batching writer's door for other modules (notifications/writer.py does the work).

Adapters (the socket, the JSON API, the SNS entry) submit through `notifications.services`
(`ack`, `notify_one`, `submit`), never to the writer itself: one place says which writes
are batched, and the writer stays free to change how.
"""

from typing import Any

from notifications import writer

# Re-exported: callers catch services.Overloaded (503 with Retry-After) and name a kind.
from notifications.writer import Kind as Kind
from notifications.writer import Overloaded as Overloaded


async def submit(kind: Kind, payload: Any, *, bounded: bool = True) -> Any:
    """Write one job of `kind` with every other job waiting; its result once committed and
    its frames sent. Raises Overloaded (nothing queued) when the writer's queue is full,
    unless `bounded=False`."""
    return await writer.submit(kind, payload, bounded=bounded)
