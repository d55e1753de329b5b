"""Where files live: the default storage (local MEDIA_ROOT, or S3 through django-storages).

Everything else in uploads/ goes through the storage API; this module holds the few
things that differ per storage: local paths for ffmpeg, presigned URLs and POSTs on S3.
Storage names are S3 keys as-is (AWS_LOCATION is not used).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage

logger = logging.getLogger(__name__)


def uses_s3(storage: Storage | None = None) -> bool:
    storage = storage or default_storage
    # Not isinstance: django-storages is only imported when S3 is configured.
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def bucket_name() -> str:
    """The S3 bucket of the default storage; RuntimeError when storage is not S3."""
    if not uses_s3():
        raise RuntimeError("the default storage is not S3 (set AWS_STORAGE_BUCKET_NAME)")
    return default_storage.bucket_name


def s3_uri(name: str) -> str:
    return f"s3://{bucket_name()}/{name}"


def name_from_s3(location: str) -> str:
    """A storage name from what a backend reports: "s3://bucket/key", "/key" or "key"."""
    if location.startswith("s3://"):
        location = location[len("s3://") :].partition("/")[2]
    return location.lstrip("/")


def s3_client() -> Any:
    """The storage's own boto3 client, so credentials, region and endpoint match."""
    return default_storage.connection.meta.client


def local_path(name: str) -> str | None:
    """A filesystem path for `name` if the storage has one (FileSystemStorage)."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None


def download_url(name: str, *, filename: str) -> str | None:
    """A short-lived presigned GET on S3, or None where the app streams the file itself."""
    if not uses_s3():
        return None
    disposition = f'attachment; filename="{filename}"'
    return default_storage.url(name, parameters={"ResponseContentDisposition": disposition})


def presigned_post(*, key: str, max_bytes: int) -> dict[str, Any]:
    """A browser-to-S3 POST for exactly `key`, of 1 to `max_bytes` bytes (S3 enforces it)."""
    return s3_client().generate_presigned_post(
        Bucket=bucket_name(),
        Key=key,
        Fields={},
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=settings.UPLOAD_DIRECT_EXPIRES,
    )


def object_size(key: str) -> int | None:
    """The size of an S3 object, or None if it does not exist."""
    client = s3_client()
    try:
        return client.head_object(Bucket=bucket_name(), Key=key)["ContentLength"]
    except client.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def object_head(key: str, length: int) -> bytes:
    """The first `length` bytes of an S3 object (one ranged GET, not the whole file)."""
    body = s3_client().get_object(Bucket=bucket_name(), Key=key, Range=f"bytes=0-{length - 1}")
    return body["Body"].read()


def delete(name: str) -> None:
    """Best effort: a leftover object costs little; a failed request must not hide the error."""
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("could not delete %s from storage", name, exc_info=True)
