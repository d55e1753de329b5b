"""The door of the event stream (the socket's Server-Sent Events fallback).

The same rules as the socket's door (project/handshakes.py), before any Redis or database
work: the client address's handshake bucket (one bucket for its sockets and streams), and
the process's lag. A refused stream is a whole response with the socket's `error` frame
(with `retry_after`) and `close` event (consumers/eventstream.py), so a browser's
EventSource can tell the client why.
"""

import math
from typing import Any

from django.conf import settings

from consumers import eventstream
from consumers.refusal import CLOSE_RATE_LIMITED, CLOSE_TRY_AGAIN
from project import admission
from project.forwarded import is_trusted_proxy
from project.handshakes import PerAddress

DETAIL = "the server is busy; retry after a random wait up to retry_after seconds"


class StreamGate:
    def __init__(self, app: Any, per_address: PerAddress) -> None:
        self.app = app
        self.per_address = per_address
        self.shedding = admission.Shedding("event streams")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        address = (scope.get("client") or [None])[0]
        if address and not is_trusted_proxy(address) and not self.per_address.take(address):
            hint = math.ceil(1 / settings.ADMISSION_HANDSHAKE_RATE)
            await self.refuse(send, CLOSE_RATE_LIMITED, "too_many_handshakes", "address", hint)
        elif admission.behind():
            hint = settings.NOTIFICATIONS_RETRY_AFTER
            await self.refuse(send, CLOSE_TRY_AGAIN, "busy", "lag", hint)
        else:
            await self.app(scope, receive, send)

    async def refuse(self, send: Any, code: int, error: str, reason: str, hint: int) -> None:
        self.shedding.refuse(reason)
        await eventstream.refuse(send, code, error=error, detail=DETAIL, retry_after=hint)
