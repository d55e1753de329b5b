"""GET /metrics: every app's Prometheus metrics (each app declares its own in metrics.py)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from accounts.auth import TooManyFailures, bearer_token, secret_matches


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; needs `Authorization: Bearer <METRICS_TOKEN>`, else 404.

    A wrong token counts against the address under the bearer failure limit (429 past
    it, logged once per address and window by accounts.auth); the refusals themselves
    are not logged one by one, as Django would log each 404.
    """
    token = settings.METRICS_TOKEN
    # Only as a bearer token: a bare token in the header is refused like a wrong one.
    given = bearer_token(request.headers.get("Authorization"))
    if not token or given is None:
        return _unlogged(HttpResponseNotFound())  # do not even reveal that it exists
    try:
        if not secret_matches(given, token, address=request.META.get("REMOTE_ADDR")):
            return _unlogged(HttpResponseNotFound())
    except TooManyFailures as exc:
        response = HttpResponse("Too many failed tokens.\n", status=429)
        response["Retry-After"] = str(exc.retry_after)
        return _unlogged(response)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


def _unlogged(response: HttpResponse) -> HttpResponse:
    response._has_been_logged = True  # type: ignore[attr-defined] - django.utils.log
    return response
