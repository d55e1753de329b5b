"""Bearer-token authentication with a failure limit per client address.

Tokens are long and random, but a client that may try them as fast as it likes can still
probe. After `TOKEN_FAILURE_LIMIT` failed bearer attempts from one address within
`TOKEN_FAILURE_WINDOW` seconds, every wrong bearer from it is refused with "too many
failures" (429) until the window ends. A correct token is never refused: the address is
only as good as the proxies in front (project/forwarded.py), and failures counted
against an address, spoofed or shared behind one NAT, must not lock a producer out. That
tells a guesser nothing it could use: a guess is right once in 2**256. Counted per
server process, like the socket cap.
"""

import hmac
import logging
import math
import threading
import time
from collections import OrderedDict

from django.conf import settings

from accounts.models import ApiToken
from accounts.selectors import token_for_raw

logger = logging.getLogger(__name__)

# Addresses remembered at most: a spray from many addresses cannot grow memory without
# bound; the oldest windows are forgotten first.
MAX_TRACKED = 10_000


class TooManyFailures(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed bearer tokens; retry after {retry_after} s")
        self.retry_after = retry_after


class FailureLimiter:
    """Failures per address in a fixed window that starts at the first failure."""

    def __init__(self) -> None:
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()  # sync views and the socket middleware run in threads

    def check(self, address: str) -> None:
        """Raise TooManyFailures while `address` is over the limit."""
        with self._lock:
            started, count = self._current(address)
        if count >= settings.TOKEN_FAILURE_LIMIT:
            left = started + settings.TOKEN_FAILURE_WINDOW - time.monotonic()
            raise TooManyFailures(max(1, math.ceil(left)))

    def failed(self, address: str) -> None:
        with self._lock:
            started, count = self._current(address)
            count += 1
            self._windows[address] = (started, count)
            self._windows.move_to_end(address)
            while len(self._windows) > MAX_TRACKED:
                self._windows.popitem(last=False)
        # One line per address and window, whatever the rate of attempts.
        if count == settings.TOKEN_FAILURE_LIMIT:
            logger.warning(
                "%d failed bearer tokens from %s: refusing it for %g s",
                count,
                address or "an unknown address",
                settings.TOKEN_FAILURE_WINDOW,
            )

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def _current(self, address: str) -> tuple[float, int]:
        now = time.monotonic()
        started, count = self._windows.get(address, (now, 0))
        if now - started >= settings.TOKEN_FAILURE_WINDOW:
            return now, 0
        return started, count


limiter = FailureLimiter()


def bearer_token(authorization: str | None) -> str | None:
    """The credential of an `Authorization: Bearer` header: None when there is no header,
    "" for another scheme (refused like a wrong token, never taken as a bare token)."""
    if authorization is None:
        return None
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def token_for_bearer(raw: str, *, address: str | None) -> ApiToken | None:
    """The usable token for `raw`, or None (a failure, counted against `address`).

    Raises TooManyFailures for a wrong token while the address is over the limit.
    """
    token = token_for_raw(raw) if raw else None
    if token is None:
        _count_failure(address)
    return token


def secret_matches(given: str, expected: str, *, address: str | None) -> bool:
    """A shared bearer secret (e.g. the service token), under the same failure limit."""
    ok = bool(given) and hmac.compare_digest(given.encode(), expected.encode())
    if not ok:
        _count_failure(address)
    return ok


def _count_failure(address: str | None) -> None:
    """Count one failure, or raise TooManyFailures (uncounted) while over the limit."""
    key = address or ""
    limiter.check(key)
    limiter.failed(key)
