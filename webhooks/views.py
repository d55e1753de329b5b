"""POST /webhooks/sns/ through Django's stack: read the body, call the service, answer.

The URLconf, the test client and WSGI use this view; under the ASGI server project/asgi.py
routes the path to webhooks.asgi.SNSWebhookApp instead, past the browser middleware
(sessions, CSRF, auth, messages). Both answer through webhooks/outcomes.py.
"""

from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks import services, sns
from webhooks.outcomes import accepted, check_size, declared_length, refusal, too_large


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
