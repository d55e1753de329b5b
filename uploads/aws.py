"""boto3 clients for the transcoder backends; one place for region and endpoint."""

from typing import Any

import boto3
from django.conf import settings


def client(service_name: str, *, endpoint_url: str | None = None) -> Any:
    """A fresh client (they are cheap next to a job, and not shared between threads)."""
    return boto3.client(
        service_name,
        region_name=settings.TRANSCODER_AWS_REGION or None,
        endpoint_url=endpoint_url or None,
    )
