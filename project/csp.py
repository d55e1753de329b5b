"""A strict Content-Security-Policy on every HTTP answer.

Django 5.2 has no CSP support of its own (it arrives in 6.0 as SECURE_CSP), so this
small middleware sets the header. The pages need no inline script, no inline style
attribute and no eval: every script and stylesheet is a file under /static/.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware


def connect_sources() -> list[str]:
    """Where scripts may send requests: this origin (its sockets too), plus S3 uploads."""
    sources = ["'self'"]
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    if bucket:
        # Browser uploads go straight to the bucket by presigned POST (uploads/direct.py).
        sources.append(f"https://{bucket}.s3.amazonaws.com")
        if settings.AWS_S3_REGION_NAME:
            sources.append(f"https://{bucket}.s3.{settings.AWS_S3_REGION_NAME}.amazonaws.com")
        if settings.AWS_S3_ENDPOINT_URL:
            parts = urlsplit(settings.AWS_S3_ENDPOINT_URL)
            sources.append(f"{parts.scheme}://{parts.netloc}")
    return sources + list(settings.CSP_EXTRA_CONNECT_SRC)


def policy() -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": connect_sources(),
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


@sync_and_async_middleware
def content_security_policy(get_response: Callable) -> Callable:
    """Adds `Content-Security-Policy` unless a view already set one.

    Async-capable like Django's own middleware, so it adds no thread hop under ASGI.
    """
    header = policy()

    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            response = await get_response(request)
            response.headers.setdefault("Content-Security-Policy", header)
            return response

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            response = get_response(request)
            response.headers.setdefault("Content-Security-Policy", header)
            return response

    return middleware
