"""Upload pages and file downloads. Thin: parse, call one service or selector, map."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from notifications.validators import storable
from uploads import direct, selectors, services, storage
from uploads.forms import UploadForm
from uploads.models import AudioFile


def _owned(request: HttpRequest, file_id: int) -> AudioFile:
    audio = selectors.file_for_owner(user_id=request.user.pk, file_id=file_id)
    if audio is None:
        raise Http404("No such file")
    return audio


@require_GET
@login_required
def file_list(request: HttpRequest) -> HttpResponse:
    files = selectors.files_for(user_id=request.user.pk)
    return render(request, "uploads/list.html", {"files": files})


# Browsers escape these three in a multipart file name (the HTML standard's form-data
# encoding), and Django hands the name over as sent: `say "hi".wav` arrives as
# `say %22hi%22.wav`. A file really named with "%22" is sent the same way, so the
# common case wins.
_FORM_DATA_ESCAPES = {"%22": '"', "%0A": "\n", "%0D": "\r"}


def browser_file_name(sent: str) -> str:
    """The file name the user chose, from the one a browser put in a multipart body."""
    for escaped, char in _FORM_DATA_ESCAPES.items():
        sent = sent.replace(escaped, char)
    return " ".join(sent.split())


def _over_quota(request: HttpRequest) -> str | None:
    """Why this user may not start another upload now, or None. Checked before the body
    is parsed: a user at the quota costs no file read, no storage and no job."""
    limit = settings.UPLOAD_MAX_UNFINISHED_PER_USER
    if selectors.unfinished_count(user_id=request.user.pk) < limit:
        return None
    return ngettext(
        "You have %(limit)d file waiting or being transcoded; upload more once it is done.",
        "You have %(limit)d files waiting or being transcoded; upload more once one of them "
        "is done.",
        limit,
    ) % {"limit": limit}


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (reason := _over_quota(request)):
        form = UploadForm()  # unbound: the upload is not read
        form.cleaned_data = {}  # add_error needs it, even for a form-wide error
        form.add_error(None, reason)
        context = {
            "form": form,
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "direct": storage.uses_s3(),
        }
        return render(request, "uploads/upload.html", context, status=429)
    form = UploadForm(request.POST or None, request.FILES or None)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        services.upload_file(
            owner=request.user,
            uploaded=uploaded,
            name=form.cleaned_data["name"] or browser_file_name(uploaded.name or ""),
        )
        if wants_json:
            return JsonResponse({"list_url": reverse("uploads:list")}, status=201)
        return redirect("uploads:list")
    if request.method == "POST" and wants_json:
        # upload.js sends with a progress bar and shows these next to the form.
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse(
            {"error": " ".join(errors) or gettext("The upload failed.")}, status=400
        )
    context = {
        "form": form,
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "direct": storage.uses_s3(),
    }
    return render(request, "uploads/upload.html", context)


@require_GET
@login_required
def detail(request: HttpRequest, file_id: int) -> HttpResponse:
    return render(request, "uploads/detail.html", {"file": _owned(request, file_id)})


@require_GET
@never_cache
@login_required
def row(request: HttpRequest, file_id: int) -> HttpResponse:
    """One file's table row, for the live "my files" page."""
    return render(request, "uploads/_file_row.html", {"file": _owned(request, file_id)})


@require_GET
@login_required
def download(request: HttpRequest, file_id: int) -> HttpResponse:
    audio = _owned(request, file_id)
    if not audio.is_ready:
        raise Http404("The file is not ready")
    url = storage.download_url(audio.output.name, filename=audio.download_name)
    if url is not None:
        return HttpResponseRedirect(url)
    return FileResponse(
        default_storage.open(audio.output.name, "rb"),
        as_attachment=True,
        filename=audio.download_name,
        content_type="audio/mpeg",
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser's stack ("[[[[...").
        return {}
    return body if isinstance(body, dict) else {}


@require_POST
@login_required
def direct_start(request: HttpRequest) -> JsonResponse:
    if not storage.uses_s3():
        raise Http404("Direct uploads are off")
    if reason := _over_quota(request):
        return JsonResponse({"error": reason}, status=429)
    body = _json_body(request)
    filename, size = body.get("filename"), body.get("size")
    if not isinstance(filename, str) or not isinstance(size, int) or isinstance(size, bool):
        return JsonResponse({"error": gettext("Send a filename and a size in bytes.")}, status=400)
    if not storable(filename):
        return JsonResponse(
            {"error": gettext("The file name has characters we cannot store.")}, status=400
        )
    try:
        post = direct.start_direct_upload(owner=request.user, filename=filename, size=size)
    except direct.UploadRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(post)


@require_POST
@login_required
def direct_complete(request: HttpRequest) -> JsonResponse:
    if not storage.uses_s3():
        raise Http404("Direct uploads are off")
    body = _json_body(request)
    token, name = body.get("token"), body.get("name", "")
    if not isinstance(token, str) or not isinstance(name, str):
        return JsonResponse({"error": gettext("Send the upload token.")}, status=400)
    if not storable(name):
        return JsonResponse(
            {"error": gettext("The name has characters we cannot store.")}, status=400
        )
    try:
        audio = direct.complete_direct_upload(owner=request.user, token=token, name=name)
    except direct.UploadRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {"id": audio.pk, "url": audio.get_absolute_url(), "list_url": reverse("uploads:list")},
        status=201,
    )
