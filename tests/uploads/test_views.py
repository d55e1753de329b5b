"""Upload form checks, ownership of pages and downloads, the live row fragment."""

import pytest
from django.urls import reverse

from notifications.models import Message
from tests.uploads.samples import media_files, upload, wav_bytes
from uploads.models import AudioFile, Status


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def done_file(as_alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(
            reverse("uploads:upload"), {"file": upload("tone.wav", wav_bytes(0.5))}
        )
    assert response.status_code == 302
    audio = AudioFile.objects.get()
    assert audio.status == Status.DONE
    return audio


def test_pages_need_login(client):
    for name in ("uploads:list", "uploads:upload"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_upload_page_renders(as_alice):
    response = as_alice.get(reverse("uploads:upload"))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"csrfmiddlewaretoken" in response.content
    assert b"data-direct-url" not in response.content  # local storage: plain form post


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"just some text, not audio at all\n" * 20),
        ("fake.mp3", b"<html><body>not an mp3</body></html>" * 10),
        ("fake.wav", b"RIFF\x00\x00\x00\x00WAVE" + b"\x00" * 200),  # header only, no stream
        ("image.png", bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 100),
    ],
)
def test_non_audio_is_rejected_and_nothing_stored(as_alice, settings, name, content):
    response = as_alice.post(reverse("uploads:upload"), {"file": upload(name, content)})
    assert response.status_code == 200
    assert "This is not an audio file" in response.content.decode()
    assert not AudioFile.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []
    assert not Message.objects.exists()


def test_oversized_is_rejected_and_nothing_stored(as_alice, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    response = as_alice.post(reverse("uploads:upload"), {"file": upload("big.wav", wav_bytes(1))})
    assert response.status_code == 200
    assert (
        "The file is too large (31.3\xa0KB); the limit is 9.8\xa0KB." in response.content.decode()
    )
    assert not AudioFile.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def test_upload_redirects_to_list_showing_the_file(as_alice, done_file):
    response = as_alice.get(reverse("uploads:list"))
    html = response.content.decode()
    assert f'data-file-row="{done_file.pk}"' in html
    assert reverse("uploads:download", args=[done_file.pk]) in html
    assert "uploads/files.js" in html


def test_owner_downloads_the_mp3(as_alice, done_file):
    response = as_alice.get(reverse("uploads:download", args=[done_file.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert 'attachment; filename="tone.mp3"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body[:3] == b"ID3"


def test_row_fragment_is_one_row(as_alice, done_file):
    response = as_alice.get(reverse("uploads:row", args=[done_file.pk]))
    html = response.content.decode().strip()
    assert html.startswith("<tr") and html.endswith("</tr>")
    assert 'data-status="done"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_download_of_unfinished_file_is_404(as_alice, alice):
    audio = AudioFile.objects.create(owner=alice, name="x", original="audio/1/x/x.wav")
    assert as_alice.get(reverse("uploads:download", args=[audio.pk])).status_code == 404


def test_other_users_see_nothing(client, bob, done_file):
    client.force_login(bob)
    for name in ("uploads:detail", "uploads:row", "uploads:download"):
        assert client.get(reverse(name, args=[done_file.pk])).status_code == 404
    listing = client.get(reverse("uploads:list")).content.decode()
    assert f'data-file-row="{done_file.pk}"' not in listing
    assert not Message.objects.filter(recipient=bob).exists()
    assert Message.objects.filter(recipient=done_file.owner).count() == 1


def test_direct_endpoints_are_off_without_s3(as_alice):
    response = as_alice.post(
        reverse("uploads:direct_start"),
        {"filename": "a.wav", "size": 10},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_detail_page_shows_the_live_row(as_alice, done_file):
    response = as_alice.get(reverse("uploads:detail", args=[done_file.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-file-row="{done_file.pk}"' in html
    assert "data-single" in html and "uploads/files.js" in html
