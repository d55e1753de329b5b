"""Large fan-outs are jobs; identical fan-outs at once all succeed (issue #19)."""

import json
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import close_old_connections
from django.test import Client

from fanout import jobs as fanout_jobs
from fanout.models import FanOutJob
from notifications import services
from notifications.models import Message
from tests.concurrently import run_together

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "s" * 40


@pytest.fixture(autouse=True)
def service_token(settings):
    settings.NOTIFY_SERVICE_TOKEN = TOKEN


def post(body: dict, client: Client | None = None):
    return (client or Client()).post(
        "/api/notify/",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def many_users(count: int) -> list[int]:
    User = get_user_model()
    User.objects.bulk_create(User(username=f"fan{i:05d}", password="!") for i in range(count))
    return list(User.objects.filter(username__startswith="fan").values_list("pk", flat=True))


def test_a_fan_out_past_the_inline_cap_is_a_job_with_a_status_url(settings, monkeypatch):
    settings.NOTIFY_FANOUT_INLINE_MAX = 50
    settings.NOTIFICATIONS_BULK_SLICE = 40
    many_users(130)
    started: list[int] = []
    # The job is left to the worker command here: the request must not write it.
    monkeypatch.setattr(fanout_jobs, "start", started.append)
    response = post({"all": True, "text": "Maintenance at 22:00", "source_id": "mnt-1"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and body["recipients"] == 130
    assert response["Location"] == body["status_url"]
    assert started == [body["id"]]
    assert Message.objects.count() == 0  # accepted, not written in the request

    def status():
        return Client().get(body["status_url"], headers={"Authorization": f"Bearer {TOKEN}"}).json()

    assert fanout_jobs.step(body["id"])  # one step: 40 recipients in its own transaction
    assert status() | {"id": 0} == {
        "id": 0,
        "status": "running",
        "recipients": 130,
        "processed": 40,
        "created": 40,
    }
    call_command("fanout_jobs")  # the worker path finishes it
    assert status()["status"] == "done"
    assert status()["created"] == 130
    assert Message.objects.filter(source_id="mnt-1").count() == 130
    assert Client().get(body["status_url"]).status_code == 401


def test_small_fan_outs_are_written_in_the_request(settings):
    settings.NOTIFY_FANOUT_INLINE_MAX = 50
    many_users(20)
    response = post({"all": True, "text": "hello"})
    assert response.status_code == 201
    assert response.json() == {"recipients": 20, "created": 20}
    assert not FanOutJob.objects.exists()


def test_the_thread_started_after_commit_writes_the_job(settings):
    settings.NOTIFY_FANOUT_INLINE_MAX = 10
    settings.NOTIFICATIONS_BULK_SLICE = 15
    many_users(40)
    response = post({"all": True, "text": "by the thread"})
    assert response.status_code == 202
    job_id = response.json()["id"]
    for _ in range(200):
        job = FanOutJob.objects.get(pk=job_id)
        if job.finished_at:
            break
        threading.Event().wait(0.05)
    assert job.finished_at and job.created == 40


def test_three_identical_fan_outs_at_once_all_succeed():
    user_ids = many_users(60)
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def fan_out() -> None:
        try:
            barrier.wait()
            outcomes.append(
                services.notify_users(user_ids=user_ids, text="once each", source_id="same")
            )
        except Exception as exc:
            outcomes.append(exc)
        finally:
            close_old_connections()

    run_together([fan_out] * 3)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(o.created for o in outcomes) == 60
    assert Message.objects.filter(source_id="same").count() == 60
