"""A file name with quotes shows as chosen, not as the browser's multipart escape."""

import pytest
from django.urls import reverse

from notifications.models import Message
from tests.uploads.samples import upload, wav_bytes
from uploads.models import AudioFile
from uploads.views import browser_file_name


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("say %22hi%22.wav", 'say "hi".wav'),
        ("two%0Alines.wav", "two lines.wav"),
        ("plain.wav", "plain.wav"),
        ("100%25.wav", "100%25.wav"),
    ],
)
def test_browser_file_name(sent, shown):
    assert browser_file_name(sent) == shown


@pytest.mark.django_db
def test_a_quoted_name_is_stored_and_notified_with_its_quotes(
    client, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        # What Chromium sends for a file named: say "hi".wav
        client.post(reverse("uploads:upload"), {"file": upload("say %22hi%22.wav", wav_bytes(0.2))})
    assert AudioFile.objects.get().name == 'say "hi".wav'
    assert all("%22" not in m.text for m in Message.objects.all())
    html = client.get(reverse("uploads:list")).content.decode()
    assert "say &quot;hi&quot;.wav" in html and "%22" not in html
