"""The SNS endpoint: read the body, call the service, map errors to status codes."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.metrics import SNS_REJECTED
from webhooks import services, sns
from webhooks.errors import Rejected, TooLarge

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def sns_webhook(request: HttpRequest) -> HttpResponse:
    """POST /webhooks/sns/: 200 processed or duplicate, 4xx refused, 503 retry later."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > sns.MAX_BODY_BYTES:
            raise TooLarge(f"Content-Length {declared} is over {sns.MAX_BODY_BYTES}")
        # One byte over the cap is enough to know; never read an unbounded body.
        body = request.read(sns.MAX_BODY_BYTES + 1)
        outcome = services.receive_delivery(body=body, headers=request.headers)
    except Rejected as exc:
        logger.warning("SNS delivery rejected with %s: %s", exc.status, exc.reason)
        SNS_REJECTED.labels(type(exc).__name__.lower(), str(exc.status)).inc()
        return HttpResponse(status=exc.status)
    except (OperationalError, InterfaceError) as exc:
        logger.error("SNS delivery not processed, database unavailable: %s", type(exc).__name__)
        SNS_REJECTED.labels("database", "503").inc()
        return HttpResponse(status=503)
    return HttpResponse(
        "duplicate\n" if outcome.duplicate else "ok\n", content_type="text/plain; charset=utf-8"
    )
