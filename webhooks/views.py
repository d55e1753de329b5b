"""The SNS endpoint: read the body, call the service, map errors to status codes.

Two entry points share `respond`: the Django view (URLconf, test client, WSGI) and
`webhooks.asgi.SNSWebhookApp`, which the ASGI server routes to directly so that a
machine-to-machine POST skips the browser middleware (sessions, CSRF, auth, messages).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.writer import Overloaded
from webhooks import services, sns
from webhooks.errors import Rejected, TooLarge
from webhooks.metrics import SNS_REJECTED

logger = logging.getLogger(__name__)


def declared_length(value: str | None) -> int:
    """The Content-Length header as an int; 0 when absent or not a number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def too_large(declared: int) -> bool:
    return declared > sns.MAX_BODY_BYTES


def respond(*, body: bytes, headers: Mapping[str, str], declared: int = 0) -> tuple[int, str]:
    """Process one delivery: (status, text). 200 processed or duplicate, 4xx refused, 503 retry.

    `body` holds at most MAX_BODY_BYTES + 1 bytes: one byte over the cap is enough to know.
    """
    try:
        check_size(body, declared)
        outcome = services.receive_delivery(body=body, headers=headers)
    except Exception as exc:
        if (refused := refusal(exc)) is None:
            raise
        return refused
    return accepted(outcome)


async def answer(deliver: Callable[[], Awaitable[services.Outcome]]) -> tuple[int, str]:
    """`respond` for the ASGI entry point: the same statuses for the same outcomes."""
    try:
        outcome = await deliver()
    except Exception as exc:
        if (refused := refusal(exc)) is None:
            logger.exception("SNS delivery failed")
            return 500, ""
        return refused
    return accepted(outcome)


def check_size(body: bytes, declared: int) -> None:
    """TooLarge (413) when the declared length or the body read is over the cap."""
    if too_large(declared) or len(body) > sns.MAX_BODY_BYTES:
        raise TooLarge(f"body over {sns.MAX_BODY_BYTES} bytes (Content-Length {declared})")


def accepted(outcome: services.Outcome) -> tuple[int, str]:
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


@csrf_exempt
@require_POST
def sns_webhook(request: HttpRequest) -> HttpResponse:
    """POST /webhooks/sns/ through Django's stack (the ASGI server uses webhooks.asgi)."""
    declared = declared_length(request.META.get("CONTENT_LENGTH"))
    # Never read an unbounded body, nor any body whose declared length is over the cap.
    body = b"" if too_large(declared) else request.read(sns.MAX_BODY_BYTES + 1)
    status, text = respond(body=body, headers=request.headers, declared=declared)
    response = (
        HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
        if text
        else HttpResponse(status=status)
    )
    if status == 503:
        response["Retry-After"] = str(settings.NOTIFICATIONS_RETRY_AFTER)
    return response
