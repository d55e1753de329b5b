"""SNS delivers at least once and in any order: one message, the right final status."""

import itertools
import threading
import time

import pytest
from django.db import connection

from notifications.models import Message
from tests.concurrently import run_together
from tests.webhooks.factories import body, notification, post
from uploads.models import AudioFile
from webhooks import notify, services
from webhooks.models import ProcessedMessage

pytestmark = pytest.mark.django_db(transaction=True)
JOB_ID = "1700000000000-abc123"


def mediaconvert(status: str, file_id: int, **detail: object) -> dict:
    return {
        "version": "0",
        "id": f"event-{status}",
        "detail-type": "MediaConvert Job State Change",
        "source": "aws.mediaconvert",
        "account": "111122223333",
        "time": "2026-11-25T11:59:00Z",
        "region": "us-west-2",
        "resources": [],
        "detail": {
            "timestamp": 1764071940000,
            "accountId": "111122223333",
            "queue": "arn:aws:mediaconvert:us-west-2:111122223333:queues/Default",
            "jobId": JOB_ID,
            "status": status,
            "userMetadata": {"file_id": str(file_id)},
            **detail,
        },
    }


@pytest.mark.parametrize(
    "order",
    [
        ("progressing", "complete"),
        ("complete", "progressing"),
        ("complete", "complete", "progressing", "progressing", "complete"),
        ("progressing", "progressing", "complete", "progressing", "complete"),
    ],
    ids=lambda o: "-".join(o),
)
def test_duplicate_and_reordered_deliveries_end_in_one_message(signed, alice, client, order):
    audio = AudioFile.objects.create(
        owner=alice,
        name="song.wav",
        original="audio/1/x/song.wav",
        status="queued",
        transcoder="mediaconvert",
        job_id=JOB_ID,
    )
    deliveries = {
        "progressing": body(
            notification(
                mediaconvert("PROGRESSING", audio.pk, jobProgress={"jobPercentComplete": 40}),
                key=signed.key,
                signing_cert_url=signed.url,
            )
        ),
        "complete": body(
            notification(
                mediaconvert("COMPLETE", audio.pk, outputGroupDetails=[]),
                key=signed.key,
                signing_cert_url=signed.url,
            )
        ),
    }
    for name in order:  # the same envelope again is a redelivery (same MessageId)
        assert post(client, deliveries[name]).status_code == 200

    audio.refresh_from_db()
    assert audio.status == "done"
    [message] = Message.objects.filter(recipient=alice)
    assert message.text == "Your file song.wav is ready"
    assert message.level == "success"


def test_two_files_never_share_a_message(signed, alice, client):
    files = [
        AudioFile.objects.create(
            owner=alice,
            name=f"{n}.wav",
            original=f"audio/1/{n}/{n}.wav",
            status="queued",
            transcoder="mediaconvert",
            job_id=f"{JOB_ID}-{n}",
        )
        for n in ("a", "b")
    ]
    for audio, status in itertools.product(files, ("PROGRESSING", "COMPLETE")):
        payload = mediaconvert(status, audio.pk)
        payload["detail"]["jobId"] = audio.job_id
        delivery = notification(payload, key=signed.key, signing_cert_url=signed.url)
        assert post(client, body(delivery)).status_code == 200
    texts = sorted(Message.objects.values_list("text", flat=True))
    assert texts == ["Your file a.wav is ready", "Your file b.wav is ready"]


def test_concurrent_deliveries_of_one_message_id_apply_once(signed, alice, monkeypatch):
    """SNS may retry while the first attempt is still running: one applies, one is a duplicate."""
    data = notification(
        {"notify": {"user": "alice", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    real_store = notify.store_one

    def slow_store(*args, **kwargs):
        time.sleep(0.3)  # keeps the first delivery's transaction open while the second arrives
        return real_store(*args, **kwargs)

    monkeypatch.setattr(notify, "store_one", slow_store)
    start = threading.Barrier(2)
    duplicates: list[bool] = []

    def deliver() -> None:
        start.wait()
        try:
            duplicates.append(services.receive_delivery(body=body(data), headers={}).duplicate)
        finally:
            connection.close()

    run_together([deliver] * 2, timeout=30)
    assert sorted(duplicates) == [False, True]
    assert list(Message.objects.values_list("text", "source_id")) == [("Hi", data["MessageId"])]
    assert ProcessedMessage.objects.filter(message_id=data["MessageId"]).count() == 1
