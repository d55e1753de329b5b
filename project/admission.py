"""Admission control: refuse early and cheaply when this process is behind.

Work piles up before it reaches any queue of ours: requests wait in daphne and on the
event loop (parsing, RSA verification, handshakes) while the loop is busy. So what is
measured is the loop itself: a timer due every `INTERVAL` seconds tells how late the
loop runs it (`loop_lag()`, also while it is still overdue), and the work in flight is
counted at the door. Past `ADMISSION_MAX_LAG` seconds of lag, or too much in flight,
producers (`/webhooks/sns/`, `/api/notify/`) and the reconnect probe (`/ping`) get 503
with `Retry-After` before any signature check or database work, and handshakes are
closed with a code and a hint (project/handshakes.py) before any Redis or database work.
"""

import asyncio
import logging
import math
import time
from typing import Any

from django.conf import settings
from prometheus_client import Counter

logger = logging.getLogger(__name__)

INTERVAL = 0.05  # the lag is known to within this, for 20 wake-ups a second

REFUSED = Counter(
    "admission_refused_total", "Requests and handshakes refused at the door.", ["kind", "reason"]
)


class LoopLag:
    """How late this process's event loop runs a timer, in seconds."""

    def __init__(self) -> None:
        self.last = 0.0
        self.due = math.inf
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start measuring on the running loop (once; again after the loop changed)."""
        if self._task is None or self._task.done() or self._task.get_loop().is_closed():
            self.due = math.inf
            self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def seconds(self) -> float:
        # A timer still waiting past its time is lag already, before it runs.
        return max(self.last, time.monotonic() - self.due)

    async def _run(self) -> None:
        while True:
            self.due = time.monotonic() + INTERVAL
            await asyncio.sleep(INTERVAL)
            self.last = max(0.0, time.monotonic() - self.due)


lag = LoopLag()


def behind() -> bool:
    return lag.seconds > settings.ADMISSION_MAX_LAG


class Shedding:
    """Counts refusals; logs one line per `window` seconds while it refuses."""

    def __init__(self, kind: str, window: float = 10.0) -> None:
        self.kind = kind
        self.window = window
        self.refused = 0
        self.logged_at = -math.inf

    def refuse(self, reason: str) -> None:
        REFUSED.labels(self.kind, reason).inc()
        self.refused += 1
        now = time.monotonic()
        if now - self.logged_at >= self.window:
            logger.warning(
                "refusing %s (%s; loop %.2f s behind): %d refused since the last line",
                self.kind,
                reason,
                lag.seconds,
                self.refused,
            )
            self.logged_at, self.refused = now, 0


class AdmitProducers:
    """An HTTP app behind the door: 503 + Retry-After while the process is behind or
    `ADMISSION_HTTP_IN_FLIGHT` requests of it are already in flight."""

    def __init__(self, app: Any, kind: str = "producer requests") -> None:
        self.app = app
        self.in_flight = 0
        self.shedding = Shedding(kind)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        reason = None
        if behind():
            reason = "lag"
        elif self.in_flight >= settings.ADMISSION_HTTP_IN_FLIGHT:
            reason = "in_flight"
        if reason is not None:
            self.shedding.refuse(reason)
            await refuse_http(send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def refuse_http(send: Any) -> None:
    """503 with Retry-After; the body is not read (daphne has it already, or drops it)."""
    body = b"server busy; retry later\n"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(settings.NOTIFICATIONS_RETRY_AFTER).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
