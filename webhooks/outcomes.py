"""The answers both SNS entry points give: the Django view (webhooks/views.py) and the lean
ASGI app (webhooks/asgi.py) map a delivery's outcome, or the error that stopped it, to
the same status and text here, so they answer alike (tests/webhooks/test_asgi.py).
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError

from notifications.services import Overloaded
from webhooks import sns
from webhooks.errors import Rejected, TooLarge
from webhooks.metrics import SNS_REJECTED

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    message_id: str
    duplicate: bool
    summary: str


@dataclass(frozen=True)
class Dispatched:
    matched: bool
    summary: str


def declared_length(value: str | None) -> int:
    """The Content-Length header as an int; 0 when absent or not a number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def too_large(declared: int) -> bool:
    return declared > sns.MAX_BODY_BYTES


def check_size(body: bytes, declared: int) -> None:
    """TooLarge (413) when the declared length or the body read is over the cap."""
    if too_large(declared) or len(body) > sns.MAX_BODY_BYTES:
        raise TooLarge(f"body over {sns.MAX_BODY_BYTES} bytes (Content-Length {declared})")


async def answer(deliver: Callable[[], Awaitable[Outcome]]) -> tuple[int, str]:
    """The ASGI entry's answer: the same statuses for the same outcomes as the view's."""
    try:
        outcome = await deliver()
    except Exception as exc:
        if (refused := refusal(exc)) is None:
            logger.exception("SNS delivery failed")
            return 500, ""
        return refused
    return accepted(outcome)


def accepted(outcome: Outcome) -> tuple[int, str]:
    return 200, "duplicate\n" if outcome.duplicate else "ok\n"


def refusal(exc: Exception) -> tuple[int, str] | None:
    """The answer to a delivery that failed: 4xx refused, 503 to be retried; None if a bug."""
    if isinstance(exc, Rejected):
        logger.warning("SNS delivery rejected with %s: %s", exc.status, exc.reason)
        SNS_REJECTED.labels(type(exc).__name__.lower(), str(exc.status)).inc()
        return exc.status, ""
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("SNS delivery not processed, database unavailable: %s", type(exc).__name__)
        SNS_REJECTED.labels("database", "503").inc()
        return 503, ""
    if isinstance(exc, Overloaded):
        # Refused before any work: SNS retries it later, and nothing queues without bound.
        SNS_REJECTED.labels("overloaded", "503").inc()
        return 503, ""
    return None
