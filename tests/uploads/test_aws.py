"""AWS calls checked with botocore's Stubber against the real service models.

No network: Stubber answers every call, and presigned URLs and POSTs are computed
locally. The parameters we send are asserted exactly.
"""

import base64
import io
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from django.core.files.storage import default_storage
from django.urls import reverse

from notifications.models import Message
from tests.conftest import REPO
from tests.uploads.samples import wav_bytes
from uploads import aws, services
from uploads.models import AudioFile, Status

BUCKET = "audio-test"
ROLE = "arn:aws:iam::111122223333:role/MediaConvertRole"
QUEUE = "arn:aws:mediaconvert:us-east-1:111122223333:queues/Default"


@pytest.fixture
def s3(settings, monkeypatch):
    """S3 storage on a stubbed client; fake credentials so signing works offline."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_REGION_NAME = settings.TRANSCODER_AWS_REGION = "us-east-1"
    settings.STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with Stubber(default_storage.connection.meta.client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _stubbed(monkeypatch, service_name: str) -> Stubber:
    """A real client for `service_name`, stubbed, returned by uploads.aws.client."""
    client = boto3.client(service_name, region_name="us-east-1")
    monkeypatch.setattr(aws, "client", lambda name, **kwargs: {service_name: client}[name])
    return Stubber(client)


@pytest.fixture
def mediaconvert(settings, monkeypatch, s3):
    settings.TRANSCODER_BACKEND = "mediaconvert"
    settings.MEDIACONVERT_ROLE_ARN = ROLE
    settings.MEDIACONVERT_QUEUE_ARN = QUEUE
    with _stubbed(monkeypatch, "mediaconvert") as stub:
        yield stub
        stub.assert_no_pending_responses()


def mediaconvert_params(file_id: int, key: str, folder: str) -> dict:
    return {
        "Role": ROLE,
        "Queue": QUEUE,
        "UserMetadata": {"file_id": str(file_id)},
        "StatusUpdateInterval": "SECONDS_60",
        "Settings": {
            "Inputs": [
                {
                    "FileInput": f"s3://{BUCKET}/{key}",
                    "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}},
                }
            ],
            "OutputGroups": [
                {
                    "Name": "File Group",
                    "OutputGroupSettings": {
                        "Type": "FILE_GROUP_SETTINGS",
                        "FileGroupSettings": {"Destination": f"s3://{BUCKET}/{folder}/transcoded/"},
                    },
                    "Outputs": [
                        {
                            "Extension": "mp3",
                            "ContainerSettings": {"Container": "RAW"},
                            "AudioDescriptions": [
                                {
                                    "AudioSourceName": "Audio Selector 1",
                                    "CodecSettings": {
                                        "Codec": "MP3",
                                        "Mp3Settings": {
                                            "Bitrate": 192000,
                                            "Channels": 2,
                                            "RateControlMode": "CBR",
                                            "SampleRate": 48000,
                                        },
                                    },
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    }


def stored(owner, key: str = "audio/7/f00d/talk.wav") -> AudioFile:
    return AudioFile.objects.create(owner=owner, name="talk.wav", original=key)


def submit(audio: AudioFile, capture) -> AudioFile:
    with capture(execute=True):
        services.submit_job(file_id=audio.pk)
    audio.refresh_from_db()
    return audio


def test_mediaconvert_create_job(alice, mediaconvert, django_capture_on_commit_callbacks):
    audio = stored(alice)
    mediaconvert.add_response(
        "create_job",
        {"Job": {"Id": "1671476818694-phptj0", "Role": ROLE, "Settings": {}}},
        expected_params=mediaconvert_params(audio.pk, "audio/7/f00d/talk.wav", "audio/7/f00d"),
    )

    audio = submit(audio, django_capture_on_commit_callbacks)

    assert (audio.status, audio.transcoder, audio.job_id) == (
        Status.QUEUED,
        "mediaconvert",
        "1671476818694-phptj0",
    )
    assert Message.objects.get(recipient=alice).text == "Transcoding talk.wav\u2026 (queued)"


def test_mediaconvert_refusal_fails_the_file(
    alice, mediaconvert, django_capture_on_commit_callbacks
):
    audio = stored(alice)
    mediaconvert.add_client_error(
        "create_job", service_error_code="ForbiddenException", http_status_code=403
    )

    audio = submit(audio, django_capture_on_commit_callbacks)

    assert audio.status == Status.FAILED
    assert audio.job_id is None
    message = Message.objects.get(recipient=alice)
    assert message.text == "Transcoding talk.wav failed: the transcoding service refused the job"


def test_elastic_transcoder_is_refused_at_startup_with_the_reason():
    # AWS ended the service on 2025-11-13: a deployment still naming it must not start
    # and fail each upload later. Its old SNS messages are still read (webhooks).
    env = {**os.environ, "TRANSCODER_BACKEND": "elastictranscoder", "DEBUG": "1"}
    env |= {"AWS_STORAGE_BUCKET_NAME": "b", "ELASTIC_TRANSCODER_PIPELINE_ID": "p"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "project.settings"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Elastic Transcoder was removed" in result.stderr
    assert "local or mediaconvert" in result.stderr


def start(client, *, size: int, filename: str = "Talk 1.wav"):
    return client.post(
        reverse("uploads:direct_start"),
        {"filename": filename, "size": size},
        content_type="application/json",
    )


def test_presigned_post_is_for_one_key_and_the_size_limit(client, alice, s3, settings):
    client.force_login(alice)
    response = start(client, size=1234)
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"https://{BUCKET}.s3.amazonaws.com/"
    key = body["fields"]["key"]
    assert key.startswith(f"audio/{alice.pk}/") and key.endswith("/Talk_1.wav")
    assert body["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert body["fields"]["x-amz-signature"]
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    assert ["content-length-range", 1, settings.UPLOAD_MAX_BYTES] in policy["conditions"]
    assert {"key": key} in policy["conditions"]
    assert {"bucket": BUCKET} in policy["conditions"]


def test_presigned_post_refuses_oversized(client, alice, s3, settings):
    client.force_login(alice)
    response = start(client, size=settings.UPLOAD_MAX_BYTES + 1)
    assert response.status_code == 400
    assert "too large" in response.json()["error"]


def _s3_object(s3, key: str, content: bytes) -> None:
    s3.add_response(
        "head_object",
        {"ContentLength": len(content)},
        expected_params={"Bucket": BUCKET, "Key": key},
    )
    head = content[:64]
    s3.add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(head), len(head))},
        expected_params={"Bucket": BUCKET, "Key": key, "Range": "bytes=0-63"},
    )


def test_complete_records_the_file_and_submits_the_job(
    client, alice, s3, mediaconvert, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post = start(client, size=32044).json()
    key = post["fields"]["key"]
    _s3_object(s3, key, wav_bytes())
    # The file id is not known yet; test_mediaconvert_create_job pins UserMetadata.
    expected = mediaconvert_params(0, key, key.rsplit("/", 1)[0]) | {"UserMetadata": ANY}
    mediaconvert.add_response(
        "create_job",
        {"Job": {"Id": "job-1", "Role": ROLE, "Settings": {}}},
        expected_params=expected,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("uploads:direct_complete"),
            {"token": post["token"], "name": "My talk"},
            content_type="application/json",
        )

    assert response.status_code == 201
    audio = AudioFile.objects.get(owner=alice)
    assert response.json() == {
        "id": audio.pk,
        "url": f"/uploads/{audio.pk}/",
        "list_url": "/uploads/",
    }
    assert (audio.name, audio.original.name) == ("My talk", key)
    assert (audio.status, audio.job_id) == (Status.QUEUED, "job-1")


def test_complete_rejects_non_audio_and_deletes_it(client, alice, s3):
    client.force_login(alice)
    post = start(client, size=500).json()
    key = post["fields"]["key"]
    _s3_object(s3, key, b"<html>" + b"x" * 494)
    s3.add_response("delete_object", {}, expected_params={"Bucket": BUCKET, "Key": key})

    response = client.post(
        reverse("uploads:direct_complete"),
        {"token": post["token"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "not an audio file" in response.json()["error"]
    assert not AudioFile.objects.exists()


def test_complete_refuses_another_users_token(client, alice, bob, s3):
    client.force_login(alice)
    token = start(client, size=500).json()["token"]
    client.force_login(bob)
    response = client.post(
        reverse("uploads:direct_complete"), {"token": token}, content_type="application/json"
    )
    assert response.status_code == 400
    assert not AudioFile.objects.exists()


def test_s3_download_is_a_presigned_get_for_the_owner_only(client, alice, bob, s3):
    audio = AudioFile.objects.create(
        owner=alice,
        name="talk.wav",
        original="audio/7/f00d/talk.wav",
        output="audio/7/f00d/transcoded/talk.mp3",
        status=Status.DONE,
    )
    client.force_login(alice)
    response = client.get(reverse("uploads:download", args=[audio.pk]))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.netloc == f"{BUCKET}.s3.amazonaws.com"
    assert url.path == "/audio/7/f00d/transcoded/talk.mp3"
    query = parse_qs(url.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == ['attachment; filename="talk.mp3"']

    client.force_login(bob)
    assert client.get(reverse("uploads:download", args=[audio.pk])).status_code == 404


def test_upload_page_offers_direct_upload_on_s3(client, alice, s3):
    client.force_login(alice)
    html = client.get(reverse("uploads:upload")).content.decode()
    assert 'data-direct-url="/uploads/direct/"' in html
    assert 'data-complete-url="/uploads/direct/complete/"' in html


@pytest.mark.parametrize("name", ["uploads:direct_start", "uploads:direct_complete"])
def test_direct_endpoints_answer_400_to_deeply_nested_json(client, alice, s3, name):
    client.force_login(alice)
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post(reverse(name), nested, content_type="application/json")
    assert response.status_code == 400


def test_direct_upload_names_with_nul_are_refused_before_anything_is_stored(client, alice, s3):
    # PostgreSQL cannot store NUL: the name would fail the AudioFile's INSERT with a 500.
    client.force_login(alice)
    assert start(client, size=100, filename="talk\x00.wav").status_code == 400
    token = start(client, size=100).json()["token"]
    response = client.post(
        reverse("uploads:direct_complete"),
        {"token": token, "name": "my\x00talk"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not AudioFile.objects.exists()  # and the S3 stub saw no request
