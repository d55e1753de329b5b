"""Direct uploads: the browser sends the file straight to S3 with a presigned POST.

1. start_direct_upload: we pick the key and sign a POST for exactly that key and at most
   UPLOAD_MAX_BYTES (S3 enforces both), plus a signed token naming key and owner.
2. The browser POSTs the file to S3.
3. complete_direct_upload: the token proves the key is the owner's; we check size and
   magic bytes on the stored object, record the AudioFile and submit its job.
"""

import posixpath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_lazy, ngettext

from uploads import services, storage
from uploads.models import AudioFile, storage_dir
from uploads.probe import HEAD_BYTES, sniff

SALT = "uploads.direct"


class UploadRejected(ValueError):
    """The upload is refused; the message is shown to the user."""


def too_large_message(size: int) -> str:
    limit = settings.UPLOAD_MAX_BYTES
    return gettext("The file is too large (%(size)s); the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def too_long_message() -> str:
    return gettext("The audio is longer than the limit of %(duration)s.") % {
        "duration": duration_text(settings.UPLOAD_MAX_SECONDS)
    }


def duration_text(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        count = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}
    if seconds >= 60 and seconds % 60 == 0:
        count = seconds // 60
        return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


NOT_AUDIO = gettext_lazy(
    "This is not an audio file (WAV, MP3, FLAC, Ogg, M4A, AIFF and similar are accepted)."
)


def start_direct_upload(*, owner: AbstractBaseUser, filename: str, size: int) -> dict[str, Any]:
    """A presigned POST for one new upload of `owner`, and the token to complete it."""
    if not storage.uses_s3():
        raise UploadRejected(gettext("Direct uploads need S3 storage."))
    if size <= 0:
        raise UploadRejected(gettext("The file is empty."))
    if size > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(too_large_message(size))
    base = default_storage.get_valid_name(posixpath.basename(filename.replace("\\", "/")))
    key = f"{storage_dir(owner.pk)}/{base or 'audio'}"
    post = storage.presigned_post(key=key, max_bytes=settings.UPLOAD_MAX_BYTES)
    token = signing.dumps({"key": key, "user": owner.pk, "name": filename[:200]}, salt=SALT)
    return {"url": post["url"], "fields": post["fields"], "token": token}


def complete_direct_upload(*, owner: AbstractBaseUser, token: str, name: str = "") -> AudioFile:
    """Check the object the browser uploaded and record it; rejected objects are deleted."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.UPLOAD_DIRECT_EXPIRES + 3600)
    except signing.BadSignature:
        raise UploadRejected(gettext("The upload token is invalid or expired.")) from None
    if data.get("user") != owner.pk:
        raise UploadRejected(gettext("The upload token is invalid or expired."))
    key = data["key"]
    size = storage.object_size(key)
    if size is None:
        raise UploadRejected(gettext("The uploaded file was not found; please upload it again."))
    if size > settings.UPLOAD_MAX_BYTES:
        storage.delete(key)
        raise UploadRejected(too_large_message(size))
    if sniff(storage.object_head(key, HEAD_BYTES)) is None:
        storage.delete(key)
        raise UploadRejected(NOT_AUDIO)
    return services.record_stored_file(
        owner=owner, storage_name=key, name=name or data.get("name", "")
    )
