"""The door of the socket: handshakes admitted per process and per client address.

In front of everything else on a WebSocket (project/asgi.py), so a refusal costs no
Redis, no database and no consumer. A handshake is refused with an `error` frame
carrying `retry_after` and a close code (consumers/refusal.py) when:

- the event loop is behind (`ADMISSION_MAX_LAG`, project/admission.py), or as many
  handshakes of this process have not finished yet (accepted, not yet sent their first
  frame) as it finishes in `ADMISSION_HANDSHAKE_WAIT` seconds (at least
  `ADMISSION_HANDSHAKES_IN_FLIGHT`): 4503, "busy";
- its address opened more than `ADMISSION_HANDSHAKE_BURST` handshakes lately, refilled at
  `ADMISSION_HANDSHAKE_RATE` a second: 4429, "too_many_handshakes". Trusted proxies
  (TRUSTED_PROXIES) speak for many clients and are not limited by address.

The hint grows with the crowd: after a restart thousands of clients come back at once,
and a client that waits a random time up to the hint (static/notifications/backoff.js)
spreads the crowd over as many seconds as the process needs to let them all in (busy:
the clients refused per second over those admitted, at most MAX_HINT; per address: the
time the address needs to earn one more handshake).

What the process finishes a second is measured by Little's law: the handshakes in flight
over how long one takes, lately. It sizes both the hint (with the most admitted in a second
lately) and the bound on handshakes in flight. A fixed bound was wrong at either size of
crowd (issue 17, docs/performance.md): 64 kept 1,000 clients waiting for seconds a process
could serve them in one; 512 let 10,000 queue past their timeouts. And a fresh process,
knowing no second yet, told the first crowd it could let in one client a second: a hint of
30 s for what it could take in 2, the process idle while the crowd waited.
"""

import math
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings

from consumers.refusal import CLOSE_RATE_LIMITED, CLOSE_TRY_AGAIN, refuse
from project import admission
from project.forwarded import is_trusted_proxy

MAX_TRACKED = 10_000  # addresses remembered at most; the least recent are forgotten
MAX_HINT = 30  # seconds
MAX_IN_FLIGHT = 1000  # handshakes, whatever the measure says
# The weight of the latest handshake in the running measure of the rate: enough history
# not to follow one slow handshake, few enough (~20) to follow a storm's queue.
SMOOTHING = 0.05
# What a process is taken to finish a second before it has measured a handshake: after a
# restart the first ones take longest (cold, under the whole crowd), and by a hint of
# refused over admitted alone the first crowd was told to stay away for up to 8 s when
# 1,002 clients fit in 2 (docs/performance.md). It counts as one measurement.
RATE_GUESS = 200.0


class Window:
    """Handshakes admitted and refused in the current and the previous second."""

    def __init__(self) -> None:
        self.second = 0
        self.now = [0, 0]  # admitted, refused
        self.before = [0, 0]
        self.peak = 1.0  # handshakes admitted in a second lately: what the process can do
        self.rate = RATE_GUESS  # handshakes finished a second lately (Little's law)
        self.measured = 0  # handshakes that went into `rate`

    def count(self, refused: bool) -> None:
        second = int(time.monotonic())
        if second != self.second:
            self.before = self.now if second == self.second + 1 else [0, 0]
            # A slowly fading peak: a second in which the loop lagged and little was
            # admitted must not make the hint jump (and the crowd wait needlessly).
            self.peak = max(1.0, self.before[0], self.peak * 0.8 ** (second - self.second))
            self.now, self.second = [0, 0], second
        self.now[refused] += 1

    def finished(self, seconds: float, in_flight: int) -> None:
        """An admitted handshake took `seconds` to its first frame, `in_flight` of them
        (itself included) in flight when it ended."""
        rate = in_flight / max(seconds, 0.001)
        self.measured += 1
        # The mean of the first ones (the guess one of them), then a running measure.
        self.rate += (rate - self.rate) * max(SMOOTHING, 1 / (self.measured + 1))

    def hint(self) -> int:
        """Seconds over which the refused crowd should spread to get in: the clients
        refused per second over what the process admits per second, at least 1."""
        admitted = max(self.peak, self.now[0], self.rate)
        refused = max(self.before[1], self.now[1])
        return max(1, min(MAX_HINT, math.ceil(refused / admitted)))


class PerAddress:
    """A token bucket per client address."""

    def __init__(self) -> None:
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, address: str) -> bool:
        rate, burst = settings.ADMISSION_HANDSHAKE_RATE, settings.ADMISSION_HANDSHAKE_BURST
        now = time.monotonic()
        tokens, then = self.buckets.pop(address, (burst, now))
        tokens = min(burst, tokens + (now - then) * rate)
        ok = tokens >= 1
        self.buckets[address] = (tokens - 1 if ok else tokens, now)
        while len(self.buckets) > MAX_TRACKED:
            self.buckets.popitem(last=False)
        return ok


class HandshakeGate:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.in_flight = 0
        self.window = Window()
        self.per_address = PerAddress()
        self.shedding = admission.Shedding("handshakes")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        address = (scope.get("client") or [None])[0]
        # The address first: a flooder is told 4429 by itself, and does not make the
        # process look busy to everyone else (nor inflate their hint).
        if address and not is_trusted_proxy(address) and not self.per_address.take(address):
            hint = math.ceil(1 / settings.ADMISSION_HANDSHAKE_RATE)
            return await self.refuse(
                receive, send, CLOSE_RATE_LIMITED, "too_many_handshakes", "address", hint
            )
        if admission.behind() or self.in_flight >= self.bound():
            reason = "lag" if admission.behind() else "in_flight"
            self.window.count(refused=True)
            hint = self.window.hint()
            return await self.refuse(receive, send, CLOSE_TRY_AGAIN, "busy", reason, hint)
        self.window.count(refused=False)
        self.in_flight += 1
        done = False
        admitted = time.monotonic()

        def finish(served: bool = False) -> None:
            nonlocal done
            if not done:
                done = True
                self.in_flight -= 1
                if served:
                    self.window.finished(time.monotonic() - admitted, self.in_flight + 1)

        async def watched_send(message: dict) -> None:
            # The handshake ends with its first frame (the sync) or its close; only a
            # served one says how long serving takes (a refusal by auth is quicker).
            if message["type"] in ("websocket.send", "websocket.close"):
                finish(served=message["type"] == "websocket.send")
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        finally:
            finish()

    def bound(self) -> int:
        """Handshakes in flight past which the next is refused: what the process finishes
        in ADMISSION_HANDSHAKE_WAIT seconds (0: the fixed floor only)."""
        floor = settings.ADMISSION_HANDSHAKES_IN_FLIGHT
        wait = settings.ADMISSION_HANDSHAKE_WAIT
        return max(floor, min(MAX_IN_FLIGHT, int(self.window.rate * wait)))

    async def refuse(
        self, receive: Any, send: Any, code: int, error: str, reason: str, hint: int
    ) -> None:
        self.shedding.refuse(reason)
        await refuse(
            receive,
            send,
            code,
            error=error,
            detail="the server is busy; retry after a random wait up to retry_after seconds",
            retry_after=hint,
        )
