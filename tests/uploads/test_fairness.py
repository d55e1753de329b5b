"""One user cannot fill the shared transcoding queue (issue #19): a per-user quota of
unfinished files, and workers that take jobs round-robin across owners."""

import threading

import pytest
from django.urls import reverse

from tests.uploads.samples import upload, wav_bytes
from uploads.models import AudioFile, Status
from uploads.transcoders.fair import FairPool


@pytest.mark.django_db
def test_uploads_past_the_unfinished_quota_are_refused_before_any_work(
    client, alice, bob, settings
):
    settings.UPLOAD_MAX_UNFINISHED_PER_USER = 2
    for status in (Status.QUEUED, Status.PROCESSING, Status.DONE):
        AudioFile.objects.create(
            owner=alice, name="x", original=f"orig/{status}.wav", status=status
        )
    client.force_login(alice)
    response = client.post(reverse("uploads:upload"), {"file": upload("t.wav", wav_bytes(0.2))})
    assert response.status_code == 429
    assert "2 files waiting or being transcoded" in response.content.decode()
    assert AudioFile.objects.filter(owner=alice).count() == 3  # nothing stored
    # Another user is not affected (TRANSCODER_LOCAL_INLINE is not needed: the job is
    # started after commit, which this test does not run).
    client.force_login(bob)
    assert client.get(reverse("uploads:upload")).status_code == 200
    response = client.post(reverse("uploads:upload"), {"file": upload("t.wav", wav_bytes(0.2))})
    assert response.status_code == 302


def test_workers_take_jobs_round_robin_across_owners():
    pool = FairPool(1, name="test")
    ran: list[str] = []
    first_running, release, all_done = threading.Event(), threading.Event(), threading.Event()

    def job(*, label: str) -> None:
        ran.append(label)
        if label == "a1":
            first_running.set()
            release.wait(5)
        if len(ran) == 6:
            all_done.set()

    pool.submit("alice", job, label="a1")
    assert first_running.wait(5)
    for label in ("a2", "a3", "a4"):  # alice queues many while her first one runs
        pool.submit("alice", job, label=label)
    pool.submit("bob", job, label="b1")
    pool.submit("carol", job, label="c1")
    assert pool.waiting() == {"alice": 3, "bob": 1, "carol": 1}
    release.set()
    assert all_done.wait(5)
    assert ran == ["a1", "a2", "b1", "c1", "a3", "a4"]
