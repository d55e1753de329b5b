"""The upload form: size limit and a content check before anything is stored."""

import os
import tempfile

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, gettext_lazy

from uploads.direct import NOT_AUDIO, too_large_message, too_long_message
from uploads.probe import HEAD_BYTES, Probe, probe, sniff


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Audio file"),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("Optional; defaults to the file name."),
    )

    def clean_file(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["file"]
        if uploaded.size is None or uploaded.size <= 0:
            raise forms.ValidationError(gettext("The file is empty."))
        if uploaded.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large_message(uploaded.size))
        uploaded.seek(0)
        head = uploaded.read(HEAD_BYTES)
        uploaded.seek(0)
        # The browser's content type and the extension are the sender's claims; the bytes
        # are what ffmpeg will see.
        info = _probe(uploaded) if sniff(head) is not None else None
        if info is None:
            raise forms.ValidationError(NOT_AUDIO)
        if info.too_long(settings.UPLOAD_MAX_SECONDS):
            raise forms.ValidationError(too_long_message())
        return uploaded


def _probe(uploaded: UploadedFile) -> Probe | None:
    path = getattr(uploaded, "temporary_file_path", None)
    if path is not None:
        return probe(path())
    # Small uploads are in memory: give ffmpeg a file.
    fd, tmp = tempfile.mkstemp(prefix="probe-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        return probe(tmp)
    finally:
        os.unlink(tmp)
        uploaded.seek(0)
