"""Refusing a handshake without a consumer: no channel, no Redis, no database.

A close before accept is an HTTP 403 on daphne and the browser learns nothing, so a
refused handshake is accepted, told why in an `error` frame (with `retry_after`, the
seconds to wait at least, when the server is busy), and closed with a 4xxx code
(docs/protocol.md, "Close codes"). Daphne drops a close reason, hence the frame.
"""

import json
from typing import Any

CLOSE_UNAUTHORIZED = 4401  # not authenticated, or the credential ended: log in again
CLOSE_RATE_LIMITED = 4429  # too many handshakes or failures from this address
CLOSE_TRY_AGAIN = 4503  # the server is busy or could not set the socket up


async def refuse(
    receive: Any,
    send: Any,
    code: int,
    *,
    error: str | None = None,
    detail: str = "",
    retry_after: int | None = None,
) -> None:
    """Answer the handshake in `receive` with an accept, an optional error frame and a
    close with `code`."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client left already
    await send({"type": "websocket.accept"})
    if error is not None:
        frame: dict[str, Any] = {"type": "error", "code": error, "detail": detail}
        if retry_after is not None:
            frame["retry_after"] = retry_after
        await send({"type": "websocket.send", "text": json.dumps(frame)})
    await send({"type": "websocket.close", "code": code})
