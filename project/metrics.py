"""GET /metrics: every app's Prometheus metrics (each app declares its own in metrics.py)."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from accounts.auth import bearer_token


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; needs `Authorization: Bearer <METRICS_TOKEN>`, else 404."""
    token = settings.METRICS_TOKEN
    # Only as a bearer token: a bare token in the header is refused like a wrong one.
    given = bearer_token(request.headers.get("Authorization")) or ""
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise Http404  # do not even reveal that the endpoint exists
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
