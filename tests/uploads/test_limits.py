"""Audio whose header claims more than it holds: refused, and ffmpeg's output is capped."""

import os

import pytest
from django.urls import reverse

from notifications.models import Message
from tests.uploads.samples import describe, media_files, upload, wav_bomb, wav_bytes
from uploads import services
from uploads.models import AudioFile, Status
from uploads.probe import probe
from uploads.transcoders import local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_timeout(settings):
    # Today's code would run ffmpeg on the bomb until this timeout: keep a failure quick.
    settings.TRANSCODER_LOCAL_TIMEOUT = 10


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def test_the_bomb_is_what_it_claims(tmp_path):
    path = tmp_path / "bomb.wav"
    path.write_bytes(wav_bomb())
    info = probe(str(path))
    assert info is not None and info.duration is not None
    # ffmpeg estimates from the size at 1 byte a second: 291 hours, from 1 MB.
    assert info.duration > 100 * 3600


def test_the_upload_form_refuses_audio_longer_than_the_limit(as_alice, settings):
    response = as_alice.post(reverse("uploads:upload"), {"file": upload("bomb.wav", wav_bomb())})
    assert response.status_code == 200
    assert "longer than the limit of 3 hours" in response.content.decode()
    assert not AudioFile.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def test_the_limit_is_a_setting(as_alice, settings):
    settings.UPLOAD_MAX_SECONDS = 1
    response = as_alice.post(reverse("uploads:upload"), {"file": upload("t.wav", wav_bytes(2))})
    assert "longer than the limit of 1 second" in response.content.decode()
    assert not AudioFile.objects.exists()


def test_a_stored_bomb_fails_its_job_without_running_ffmpeg_on_it(
    alice, django_capture_on_commit_callbacks
):
    # Stored without the form's check (a direct upload to S3 is only sniffed).
    with django_capture_on_commit_callbacks(execute=True):
        audio = services.upload_file(owner=alice, uploaded=upload("bomb.wav", wav_bomb()))
    audio.refresh_from_db()
    assert audio.status == Status.FAILED
    assert "longer than the limit of 3 hours" in audio.error
    assert Message.objects.get(recipient=alice).level == "error"


def test_ffmpeg_output_stops_at_the_limit_when_the_duration_is_unknown(tmp_path, settings):
    settings.UPLOAD_MAX_SECONDS = 1
    source, target = tmp_path / "in.wav", tmp_path / "out.mp3"
    source.write_bytes(wav_bytes(seconds=3))
    local._ffmpeg(str(source), str(target), duration=None, on_progress=lambda p: None)
    assert "Duration: 00:00:01.0" in describe(target)
    assert os.path.getsize(target) <= local.max_output_bytes()


def test_the_output_size_cap_covers_the_longest_allowed_audio(settings):
    settings.UPLOAD_MAX_SECONDS = 3 * 3600
    # 192 kbit/s for 3 hours, and room for the MP3 framing: no real file is cut short.
    assert 3 * 3600 * 192_000 / 8 < local.max_output_bytes() < 3 * 3600 * 192_000 / 8 * 1.1
