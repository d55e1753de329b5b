"""A bound on what daphne queues for one socket whose client does not read.

Daphne writes every `websocket.send` straight into Twisted's transport, whose write
buffer grows without limit while the client does not read (and a client that sends a
frame now and then keeps daphne's keepalive happy). The app cannot see that buffer, so
the check lives in the one place that can: daphne's WebSocket protocol, replaced by a
subclass (`install()`, called from project/asgi.py). After each send it measures the
transport's unsent bytes and the frames among them; past
`NOTIFICATIONS_SEND_BUFFER_BYTES` or `NOTIFICATIONS_SEND_BUFFER_FRAMES` it closes the
socket with 4408. The close frame queues behind the backlog, so after autobahn's close
handshake timeout (1 s) the TCP connection is aborted and the buffer dropped; the app
gets its disconnect either way. The client reconnects and resyncs (docs/protocol.md).
"""

import logging
from collections import deque
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4408  # the client read too slowly: reconnect and resync


def unsent_bytes(transport: Any) -> int | None:
    """Bytes a Twisted TCP transport holds that the kernel has not taken; None if unknown."""
    try:
        return (
            len(transport.dataBuffer)
            - transport.offset
            + transport._tempDataLen  # written since the last doWrite
        )
    except AttributeError:
        return None  # another transport (e.g. TLS in process): not bounded here


def install() -> None:
    """Make daphne build bounded WebSocket protocols; a no-op outside daphne."""
    try:
        from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
    except ImportError:
        return

    class BoundedWebSocketProtocol(WebSocketProtocol):
        # Running totals of bytes handed to the transport, and the total at the end of
        # each frame not yet flushed: the frames still queued are those past the flush.
        written = 0
        frame_ends: deque[int]

        def serverSend(self, content: Any, binary: bool = False) -> None:
            before = unsent_bytes(self.transport)
            super().serverSend(content, binary)
            after = unsent_bytes(self.transport)
            if before is None or after is None or self.state != self.STATE_OPEN:
                return
            if not hasattr(self, "frame_ends"):
                self.frame_ends = deque()
            # Twisted's write only appends; nothing is flushed inside this call.
            self.written += after - before
            self.frame_ends.append(self.written)
            flushed = self.written - after
            while self.frame_ends and self.frame_ends[0] <= flushed:
                self.frame_ends.popleft()
            if (
                after > settings.NOTIFICATIONS_SEND_BUFFER_BYTES
                or len(self.frame_ends) > settings.NOTIFICATIONS_SEND_BUFFER_FRAMES
            ):
                logger.warning(
                    "closing socket of %s with %d: %d bytes in %d frames unread",
                    self.client_addr,
                    CLOSE_TOO_SLOW,
                    after,
                    len(self.frame_ends),
                )
                self.frame_ends.clear()
                self.sendClose(code=CLOSE_TOO_SLOW)

    WebSocketFactory.protocol = BoundedWebSocketProtocol
