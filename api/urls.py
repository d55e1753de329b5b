"""Routes of the JSON API, mounted at /api/ (docs/api.md): the ninja API's, then a JSON 404."""

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from api.errors import error
from api.main import api

app_name = "api"


@csrf_exempt  # it changes nothing; else a POST here gets Django's HTML 403 page, not JSON
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """Any path under /api/ that names no endpoint: JSON like every other API answer."""
    return error(404, "not_found", "no such endpoint")


def _json(response: HttpResponseBase) -> HttpResponseBase:
    # django-ninja answers a method a path does not take with Django's plain-text 405.
    if response.status_code != 405 or response.get("Content-Type") == "application/json":
        return response
    allowed = sorted(method.strip() for method in response["Allow"].split(","))
    answer = error(405, "method_not_allowed")
    answer["Allow"] = ", ".join(allowed)
    return answer


def json_405(view: Callable[..., Any]) -> Callable[..., Any]:
    """`view`, its 405 answered in the API's JSON (`Allow` kept)."""
    if iscoroutinefunction(view):

        async def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return _json(await view(request, *args, **kwargs))
    else:

        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return _json(view(request, *args, **kwargs))

    wrapped.csrf_exempt = True  # type: ignore[attr-defined] - as ninja's views: see api/auth.py
    return wrapped


def _routes() -> list[Any]:
    routes = api.urls[0]
    for route in routes:
        if isinstance(route, URLPattern):
            # ninja's root route is only there to be reversed (the document's path prefix).
            route.callback = not_found if route.name == "api-root" else json_405(route.callback)
    return routes


urlpatterns = [
    *_routes(),
    # Last: every other path under /api/ answers the API's JSON 404, not Django's HTML page.
    re_path(r"", not_found, name="not_found"),
]
