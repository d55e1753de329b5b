"""POST /webhooks/sns/ through Django's test client: status codes and what the DB holds."""

import http.client
import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from notifications.models import Message
from tests.webhooks.factories import (
    NOW,
    TOPIC_ARN,
    body,
    cert_url,
    confirmation,
    db_state,
    notification,
    post,
    rsa_key,
    shared_files,
    sns_headers,
)
from uploads import services as upload_services
from uploads.models import AudioFile, Status
from webhooks import certs, services, sns
from webhooks.errors import Unavailable
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db

NOTIFICATIONS = [n for n in shared_files("sns/messages") if "confirmation" not in n]


def rejected(client, caplog, payload, status: int, reason: str, **headers: str) -> None:
    """Post, expect `status`, an unchanged database and one log line naming the reason."""
    before = db_state()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="webhooks"):
        response = post(client, payload, **headers)
    assert response.status_code == status
    assert db_state() == before
    lines = [r for r in caplog.records if r.name == "webhooks.outcomes"]
    assert len(lines) == 1 and reason in lines[0].getMessage()


def test_direct_notify_creates_one_message_once(client, signed, alice) -> None:
    data = notification(
        {"notify": {"user": "alice", "text": "Hi", "level": "success", "link": "/x"}},
        key=signed.key,
        signing_cert_url=signed.url,
    )
    response = post(client, data, **sns_headers(data))
    assert (response.status_code, response.content) == (200, b"ok\n")
    message = Message.objects.get()
    assert (message.recipient, message.text, message.level, message.link) == (
        alice,
        "Hi",
        "success",
        "/x",
    )
    assert message.source_id == data["MessageId"]
    assert ProcessedMessage.objects.get().message_id == data["MessageId"]

    # SNS retries with the same MessageId: 200, and nothing new.
    before = db_state()
    again = post(client, data, **sns_headers(data))
    assert (again.status_code, again.content) == (200, b"duplicate\n")
    assert db_state() == before
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("notify", "reason"),
    [
        ({"user": "nobody", "text": "Hi"}, "unknown user"),
        ({"user": "alice", "text": "Hi", "level": "loud"}, "invalid notify payload: level"),
        ({"user": "alice", "text": "  "}, "invalid notify payload: text"),
        ({"user": "alice", "text": "Hi", "link": "javascript:alert(1)"}, "invalid notify"),
        ({"user": "alice", "text": "Hi", "extra": "x"}, "unknown keys"),
        ({"user": "alice", "text": 5}, "must be a string"),
        ({"user": "alice"}, "required"),
        ("alice", "exactly"),
    ],
)
def test_unusable_notify_is_kept_as_unmatched_with_200(
    client, signed, alice, notify, reason: str
) -> None:
    data = notification({"notify": notify}, key=signed.key, signing_cert_url=signed.url)
    response = post(client, data)
    assert response.status_code == 200
    unmatched = UnmatchedMessage.objects.get()
    assert reason in unmatched.reason and unmatched.message_id == data["MessageId"]
    assert unmatched.message == data["Message"]
    assert not Message.objects.exists()
    assert ProcessedMessage.objects.filter(message_id=data["MessageId"]).exists()


def test_notify_with_extra_top_level_key_is_unmatched(client, signed, alice) -> None:
    payload = {"notify": {"user": "alice", "text": "Hi"}, "also": 1}
    data = notification(payload, key=signed.key, signing_cert_url=signed.url)
    assert post(client, data).status_code == 200
    assert "exactly" in UnmatchedMessage.objects.get().reason
    assert not Message.objects.exists()


def test_mediaconvert_complete_in_a_signed_envelope_finishes_the_file(
    client, signed, alice, shared_fixtures: Path
) -> None:
    audio = AudioFile.objects.create(
        owner=alice,
        name="song",
        original="uploads/song.wav",
        status=Status.PROCESSING,
        job_id="1671476818694-phptj0",
    )
    event = json.loads((shared_fixtures / "transcoder/mediaconvert/complete_docs.json").read_text())
    event["detail"]["userMetadata"] = {"file_id": str(audio.pk)}
    data = notification(event, key=signed.key, signing_cert_url=signed.url)
    assert post(client, data, **sns_headers(data)).status_code == 200
    audio.refresh_from_db()
    assert audio.status == Status.DONE
    assert audio.output.name == "file/file.mp4"
    assert Message.objects.filter(recipient=alice, level="success").count() == 1
    assert "mediaconvert job 1671476818694-phptj0 done applied" in (
        ProcessedMessage.objects.get().outcome
    )

    before = db_state()
    assert post(client, data).content == b"duplicate\n"
    assert db_state() == before


def test_event_for_an_unknown_job_is_kept_and_can_be_redriven(
    client, signed, alice, shared_fixtures: Path
) -> None:
    event = json.loads((shared_fixtures / "transcoder/mediaconvert/error_docs.json").read_text())
    data = notification(event, key=signed.key, signing_cert_url=signed.url)
    assert post(client, data).status_code == 200
    unmatched = UnmatchedMessage.objects.get()
    assert "no file for mediaconvert job 1515368087458-qnoxtd" in unmatched.reason

    # The job shows up later (our row was written after AWS answered): re-drive applies it.
    audio = AudioFile.objects.create(
        owner=alice, name="a", original="a.wav", status=Status.QUEUED, job_id="1515368087458-qnoxtd"
    )
    assert services.redrive_unmatched(unmatched_id=unmatched.pk) is True
    audio.refresh_from_db()
    unmatched.refresh_from_db()
    assert audio.status == Status.FAILED and "Example error message" in audio.error
    assert unmatched.resolved_at is not None and unmatched.redrive_count == 1


@pytest.mark.parametrize("name", NOTIFICATIONS)
def test_genuine_notifications_are_accepted(
    client, configure, shared_fixtures: Path, name: str
) -> None:
    """Their Messages are text, S3 or Elastic Transcoder: all kept as unmatched, all 200."""
    raw = (shared_fixtures / "sns/messages" / name).read_bytes()
    envelope = sns.parse(raw, {})
    configure(
        topics=[envelope.topic_arn], cert_dir=shared_fixtures / "sns/certs", now=envelope.sent_at
    )
    response = post(client, raw, **{"x-amz-sns-message-id": envelope.message_id})
    assert response.status_code == 200
    assert ProcessedMessage.objects.get().message_id == envelope.message_id
    assert UnmatchedMessage.objects.get().message == envelope.message


def test_genuine_s3_event_is_kept_as_unmatched_with_its_key(
    client, configure, shared_fixtures: Path
) -> None:
    name = "raku-aws-sns-notification_notification-s3-event_sv1_us-east-1_2021.json"
    raw = (shared_fixtures / "sns/messages" / name).read_bytes()
    envelope = sns.parse(raw, {})
    configure(
        topics=[envelope.topic_arn], cert_dir=shared_fixtures / "sns/certs", now=envelope.sent_at
    )
    assert post(client, raw).status_code == 200
    unmatched = UnmatchedMessage.objects.get()
    assert "S3 event" in unmatched.reason and "jns-test-1/FXT-6993.csv" in unmatched.reason
    assert unmatched.subject == "Amazon S3 Notification"


# --- rejections: status, unchanged DB, one log line ----------------------------------


def test_malformed_is_400(client, signed, caplog) -> None:
    rejected(client, caplog, b"{not json", 400, "not JSON")
    data = notification("x", key=signed.key, signing_cert_url=signed.url)
    rejected(client, caplog, data, 400, "raw message delivery", **{"x-amz-sns-rawdelivery": "true"})
    rejected(client, caplog, data, 400, "disagrees", **{"x-amz-sns-message-type": "Other"})


def test_attacker_topic_is_403(client, signed, caplog, alice) -> None:
    attacker = "arn:aws:sns:us-west-2:999999999999:attacker"
    data = notification(
        {"notify": {"user": "alice", "text": "pwned"}},
        key=signed.key,
        signing_cert_url=signed.url,
        topic_arn=attacker,
    )
    rejected(client, caplog, data, 403, "not allowed")


def test_empty_allow_list_refuses_everything(client, signed, settings, caplog) -> None:
    settings.SNS_ALLOWED_TOPIC_ARNS = []
    data = notification("x", key=signed.key, signing_cert_url=signed.url)
    rejected(client, caplog, data, 403, "not allowed")


def test_forged_signature_and_stale_messages_are_403(client, signed, caplog, alice) -> None:
    forged = notification(
        {"notify": {"user": "alice", "text": "Hi"}},
        key=rsa_key(2048, 1),
        signing_cert_url=signed.url,
    )
    rejected(client, caplog, forged, 403, "signature does not verify")
    stale = notification(
        "x", key=signed.key, signing_cert_url=signed.url, at=NOW - timedelta(hours=1, seconds=1)
    )
    rejected(client, caplog, stale, 403, "older")
    future = notification(
        "x", key=signed.key, signing_cert_url=signed.url, at=NOW + timedelta(minutes=6)
    )
    rejected(client, caplog, future, 403, "future")


def test_max_age_setting_is_read_per_request(client, signed, settings, caplog) -> None:
    data = notification(
        "x", key=signed.key, signing_cert_url=signed.url, at=NOW - timedelta(minutes=2)
    )
    settings.SNS_MAX_AGE_SECONDS = 60
    rejected(client, caplog, data, 403, "older")
    settings.SNS_MAX_AGE_SECONDS = 3600
    assert post(client, data).status_code == 200


def test_body_over_one_mebibyte_is_413(client, signed, caplog) -> None:
    rejected(client, caplog, b"{" + b" " * sns.MAX_BODY_BYTES + b"}", 413, "over")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "options"])
def test_other_methods_are_405(client, method: str) -> None:
    before = db_state()
    response = getattr(client, method)("/webhooks/sns/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert db_state() == before


def test_no_redirect_without_the_trailing_slash(client, signed, settings, alice) -> None:
    settings.APPEND_SLASH = True
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    response = client.post("/webhooks/sns", data=body(data), content_type="text/plain")
    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_csrf_is_not_required(signed, alice) -> None:
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    assert post(Client(enforce_csrf_checks=True), data).status_code == 200


# --- 503: our own transient faults ---------------------------------------------------


def test_certificate_fetch_failure_is_503(client, signed, monkeypatch, caplog) -> None:
    def down(url: str, timeout: float) -> bytes:
        raise Unavailable("certificate fetch failed: TimeoutError")

    monkeypatch.setattr(certs, "fetch_pem", down)
    data = notification("x", key=signed.key, signing_cert_url=cert_url())  # not pinned
    rejected(client, caplog, data, 503, "certificate fetch failed")


def test_certificate_host_timeout_is_503(client, signed, monkeypatch, caplog) -> None:
    class Timeout:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def request(self, *args, **kwargs) -> None:
            raise TimeoutError

        def close(self) -> None:
            pass

    monkeypatch.setattr(http.client, "HTTPSConnection", Timeout)
    data = notification("x", key=signed.key, signing_cert_url=cert_url())
    rejected(client, caplog, data, 503, "TimeoutError")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_down_is_503(client, signed, alice, caplog, error) -> None:
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )

    def down(execute, sql, params, many, context):
        raise error("database is down")

    before = db_state()
    with caplog.at_level(logging.WARNING, logger="webhooks"), connection.execute_wrapper(down):
        response = post(client, data)
    assert response.status_code == 503
    assert db_state() == before
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_failure_after_the_message_id_is_recorded_rolls_both_back(
    client, signed, alice, monkeypatch
) -> None:
    """The MessageId row and the effects share a transaction: SNS's retry starts over."""
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )

    def insert_fails(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "notifications_message"'):
            raise OperationalError("disk full")
        return execute(sql, params, many, context)

    before = db_state()
    with connection.execute_wrapper(insert_fails):
        assert post(client, data).status_code == 503
    assert db_state() == before
    assert post(client, data).status_code == 200
    assert Message.objects.count() == 1 and ProcessedMessage.objects.count() == 1


def test_unexpected_error_in_dispatch_rolls_back_and_the_retry_applies(
    client, signed, alice, monkeypatch, shared_fixtures: Path
) -> None:
    AudioFile.objects.create(
        owner=alice,
        name="a",
        original="a.wav",
        status=Status.PROCESSING,
        job_id="1515368087458-qnoxtd",
    )
    event = json.loads((shared_fixtures / "transcoder/mediaconvert/error_docs.json").read_text())
    data = notification(event, key=signed.key, signing_cert_url=signed.url)
    real = upload_services.apply_job_event

    def crash(event):
        raise RuntimeError("bug")

    monkeypatch.setattr(upload_services, "apply_job_event", crash)
    client.raise_request_exception = False
    before = db_state()
    assert post(client, data).status_code == 500  # SNS retries a 5xx
    assert db_state() == before
    monkeypatch.setattr(upload_services, "apply_job_event", real)
    assert post(client, data).status_code == 200
    assert AudioFile.objects.get().status == Status.FAILED
    assert ProcessedMessage.objects.count() == 1


def test_dispatch_uses_apply_job_event_by_name(
    client, signed, monkeypatch, shared_fixtures: Path
) -> None:
    seen = []
    monkeypatch.setattr(
        upload_services, "apply_job_event", lambda event: seen.append(event) or True
    )
    event = json.loads(
        (shared_fixtures / "transcoder/mediaconvert/status-update_docs.json").read_text()
    )
    data = notification(event, key=signed.key, signing_cert_url=signed.url)
    assert post(client, data).status_code == 200
    (job_event,) = seen
    assert (job_event.job_id, job_event.state, job_event.progress) == (
        "1671477617078-2886ye",
        "processing",
        7,
    )
    assert not UnmatchedMessage.objects.exists()


def test_rejection_logs_never_carry_token_or_urls(client, signed, caplog) -> None:
    data = confirmation(
        "SubscriptionConfirmation", key=rsa_key(2048, 1), signing_cert_url=signed.url
    )
    with caplog.at_level(logging.DEBUG):
        assert post(client, data).status_code == 403
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert data["Token"] not in text and data["SubscribeURL"] not in text
    assert TOPIC_ARN in text or "signature" in text


@pytest.mark.parametrize(
    "content_type",
    ["text/plain; charset=UTF-8", "application/json", "application/xml", ""],
)
def test_any_content_type_sns_may_use_is_read_from_the_raw_body(
    client, signed, alice, content_type: str
) -> None:
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    response = client.post("/webhooks/sns/", data=body(data), content_type=content_type)
    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_unsigned_fields_and_json_layout_do_not_change_the_outcome(client, signed, alice) -> None:
    """Equivalent deliveries (same signed fields) end in the same state, once."""
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    variant = {
        **data,
        "UnsubscribeURL": "https://example.invalid/",
        "MessageAttributes": {"a": {"Type": "String", "Value": "b"}},
    }
    variant_body = json.dumps(dict(reversed(variant.items())), indent=3, ensure_ascii=True)
    assert post(client, variant_body.encode()).status_code == 200
    after = db_state()
    assert post(client, data).content == b"duplicate\n"
    assert db_state() == after and Message.objects.count() == 1
