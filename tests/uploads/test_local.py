"""The local backend: real ffmpeg, real files, the owner's socket hears about it."""

import json
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from notifications.models import Message
from project.asgi import application
from tests.uploads.samples import corrupt_flac_bytes, describe, upload, wav_bytes
from uploads import services
from uploads.models import AudioFile, Status
from uploads.transcoders.local import run_job


def _upload(owner, name: str, content: bytes, captured) -> AudioFile:
    with captured(execute=True):
        audio = services.upload_file(owner=owner, uploaded=upload(name, content))
    audio.refresh_from_db()
    return audio


def test_wav_becomes_playable_mp3_and_owner_is_told(
    alice, settings, django_capture_on_commit_callbacks
):
    audio = _upload(alice, "tone.wav", wav_bytes(seconds=1.5), django_capture_on_commit_callbacks)

    assert audio.status == Status.DONE
    assert audio.transcoder == "local"
    assert audio.job_id.startswith("local-")
    assert audio.progress == 100 and audio.error == "" and audio.finished_at
    mp3 = Path(settings.MEDIA_ROOT) / audio.output.name
    assert audio.output.name.endswith("/transcoded/tone.mp3")
    head = mp3.read_bytes()[:3]
    assert head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    info = describe(mp3)
    assert "Audio: mp3" in info
    assert "Duration: 00:00:01.5" in info
    # One message for the whole job, updated in place to the result.
    message = Message.objects.get(recipient=alice)
    assert message.text == "Your file tone.wav is ready"
    assert message.level == "success"
    assert message.link == f"/uploads/{audio.pk}/"
    assert message.collapse_key == f"audiofile:{audio.pk}"


def test_corrupt_file_fails_with_error_notification(
    alice, tmp_path, django_capture_on_commit_callbacks
):
    audio = _upload(
        alice, "broken.flac", corrupt_flac_bytes(tmp_path), django_capture_on_commit_callbacks
    )

    assert audio.status == Status.FAILED
    assert "no audio" in audio.error
    assert not audio.output
    message = Message.objects.get(recipient=alice)
    assert message.level == "error"
    assert message.text == f"Transcoding broken.flac failed: {audio.error}"


def test_job_for_another_job_id_does_nothing(alice, django_capture_on_commit_callbacks):
    audio = _upload(alice, "tone.wav", wav_bytes(0.2), django_capture_on_commit_callbacks)
    AudioFile.objects.filter(pk=audio.pk).update(status=Status.QUEUED, output="")

    run_job(file_id=audio.pk, job_id="local-stale")

    audio.refresh_from_db()
    assert audio.status == Status.QUEUED


def _login_and_upload(user) -> tuple[str, int]:
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("uploads:upload"), {"file": upload("song.wav", wav_bytes()), "name": "Song"}
    )
    assert response.status_code == 302
    return client.cookies["sessionid"].value, AudioFile.objects.get(owner=user).pk


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
async def test_upload_through_the_site_reaches_the_owners_socket(alice, bob):
    alice_ws = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"cookie", f"sessionid={await database_sync_to_async(_cookie)(alice)}".encode())],
    )
    bob_ws = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"cookie", f"sessionid={await database_sync_to_async(_cookie)(bob)}".encode())],
    )
    for ws in (alice_ws, bob_ws):
        connected, _ = await ws.connect()
        assert connected
        assert json.loads(await ws.receive_from())["type"] == "sync"

    # The upload request commits, the job runs after commit (inline in tests).
    _, file_id = await database_sync_to_async(_login_and_upload)(alice)

    frames = []
    while True:
        frame = json.loads(await alice_ws.receive_from(timeout=10))
        assert frame["type"] == "notification"
        frames.append(frame)
        if frame["message"]["level"] != "info":
            break
    texts = [f["message"]["text"] for f in frames]
    assert texts[0] == "Transcoding Song\u2026 (queued)"
    assert texts[-1] == "Your file Song is ready"
    assert {f["message"]["id"] for f in frames} == {frames[0]["message"]["id"]}
    assert all(f["message"]["link"] == f"/uploads/{file_id}/" for f in frames)
    assert frames[-1]["unread_count"] == 1
    assert await bob_ws.receive_nothing(timeout=0.3)
    await alice_ws.disconnect()
    await bob_ws.disconnect()
