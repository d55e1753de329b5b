"""The batching writer's door for other modules (notifications/writer.py does the work).

Adapters (the socket, the JSON API, the SNS entry) submit through `notifications.services`
(`ack`, `notify_one`, `submit`), never to the writer itself: one place says which writes
are batched, and the writer stays free to change how.
"""

from typing import Any

# Re-exported: another app's job handler returns sends (live's type: an app that may not
# import live, the SNS webhook, names it here).
from live import Send as Send
from notifications import writer

# Re-exported: callers catch services.Overloaded (503 with Retry-After) and name a handler.
from notifications.writer import JobHandler as JobHandler
from notifications.writer import Overloaded as Overloaded


async def submit(handler: JobHandler, payload: Any, *, bounded: bool = True) -> Any:
    """Write one job with `handler` and every other job waiting; its result once committed
    and its frames sent. Raises Overloaded (nothing queued) when the writer's queue is
    full, unless `bounded=False`."""
    return await writer.submit(handler, payload, bounded=bounded)
