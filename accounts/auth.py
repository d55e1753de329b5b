"""Bearer-token authentication with a failure limit per client address.

Tokens are long and random, but a client that may try them as fast as it likes can still
probe. After `TOKEN_FAILURE_LIMIT` failed bearer attempts from one address within
`TOKEN_FAILURE_WINDOW` seconds, every bearer attempt from it (a right token too, so that
guessing learns nothing) is refused until the window ends. Counted per server process,
like the socket cap; behind a proxy the address is the one daphne takes from
X-Forwarded-For (--proxy-headers).
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

    Raises TooManyFailures, before looking the token up, while the address is refused.
    """
    key = address or ""
    limiter.check(key)
    token = token_for_raw(raw) if raw else None
    if token is None:
        limiter.failed(key)
    return token


def secret_matches(given: str, expected: str, *, address: str | None) -> bool:
    """A shared bearer secret (e.g. the service token), under the same failure limit."""
    key = address or ""
    limiter.check(key)
    ok = bool(given) and hmac.compare_digest(given.encode(), expected.encode())
    if not ok:
        limiter.failed(key)
    return ok
