"""apply_job_event: matching, idempotency, ordering, one message per job."""

import json

import pytest

import live
from notifications.models import Message
from uploads import services
from uploads.events import JobEvent, JobState
from uploads.models import AudioFile, Status


@pytest.fixture
def pushes(monkeypatch):
    sent: list[tuple[int, dict]] = []

    def record(user_id, frame):
        # Round-trip: the Redis layer only carries JSON.
        sent.append((user_id, json.loads(json.dumps(frame))))
        return True

    monkeypatch.setattr(live, "send_now", record)
    return sent


@pytest.fixture
def queued(alice):
    return AudioFile.objects.create(
        owner=alice,
        name="talk.wav",
        original="audio/1/abc/talk.wav",
        status=Status.QUEUED,
        transcoder="mediaconvert",
        job_id="1671476818694-phptj0",
    )


def apply(event: JobEvent, capture) -> bool:
    with capture(execute=True):
        return services.apply_job_event(event)


def test_done_sets_output_and_notifies_once(queued, pushes, django_capture_on_commit_callbacks):
    done = JobEvent(
        job_id=queued.job_id,
        state=JobState.DONE,
        file_id=queued.pk,
        output="s3://bucket/audio/1/abc/transcoded/talk.mp3",
    )
    assert apply(done, django_capture_on_commit_callbacks) is True
    assert apply(done, django_capture_on_commit_callbacks) is True

    queued.refresh_from_db()
    assert queued.status == Status.DONE
    assert queued.output.name == "audio/1/abc/transcoded/talk.mp3"
    assert len(pushes) == 1
    user_id, frame = pushes[0]
    assert user_id == queued.owner_id
    assert frame["message"]["text"] == "Your file talk.wav is ready"
    assert frame["message"]["link"] == f"/uploads/{queued.pk}/"
    assert Message.objects.filter(recipient=queued.owner).count() == 1


def test_done_without_output_uses_the_expected_key(queued, django_capture_on_commit_callbacks):
    apply(JobEvent(job_id=queued.job_id, state=JobState.DONE), django_capture_on_commit_callbacks)
    queued.refresh_from_db()
    assert queued.output.name == "audio/1/abc/transcoded/talk.mp3"


@pytest.mark.parametrize("final", [JobState.DONE, JobState.FAILED])
@pytest.mark.parametrize("late", [JobState.PROCESSING, JobState.QUEUED, JobState.DONE])
def test_finished_never_moves(final, late, queued, pushes, django_capture_on_commit_callbacks):
    apply(
        JobEvent(job_id=queued.job_id, state=final, error="boom"),
        django_capture_on_commit_callbacks,
    )
    before = AudioFile.objects.get(pk=queued.pk)
    if late == final:
        late = JobState.FAILED if final == JobState.DONE else JobState.DONE

    apply(
        JobEvent(job_id=queued.job_id, state=late, progress=50),
        django_capture_on_commit_callbacks,
    )

    after = AudioFile.objects.get(pk=queued.pk)
    assert (after.status, after.progress, after.error) == (
        before.status,
        before.progress,
        before.error,
    )
    assert len(pushes) == 1


def test_failed_notifies_with_reason(queued, pushes, django_capture_on_commit_callbacks):
    event = JobEvent(job_id=queued.job_id, state=JobState.FAILED, error="Unsupported codec")
    apply(event, django_capture_on_commit_callbacks)
    apply(event, django_capture_on_commit_callbacks)

    queued.refresh_from_db()
    assert queued.status == Status.FAILED
    assert queued.error == "Unsupported codec"
    assert [f["message"]["text"] for _, f in pushes] == [
        "Transcoding talk.wav failed: Unsupported codec"
    ]
    assert pushes[0][1]["message"]["level"] == "error"


def test_progress_updates_one_message_and_never_goes_back(
    queued, pushes, django_capture_on_commit_callbacks
):
    for progress in (None, 20, 20, 60, 40):
        apply(
            JobEvent(job_id=queued.job_id, state=JobState.PROCESSING, progress=progress),
            django_capture_on_commit_callbacks,
        )
    apply(JobEvent(job_id=queued.job_id, state=JobState.DONE), django_capture_on_commit_callbacks)

    queued.refresh_from_db()
    assert queued.status == Status.DONE
    texts = [f["message"]["text"] for _, f in pushes]
    assert texts == [
        "Transcoding talk.wav\u2026",
        "Transcoding talk.wav\u2026 20%",
        "Transcoding talk.wav\u2026 60%",
        "Your file talk.wav is ready",
    ]
    assert len({f["message"]["id"] for _, f in pushes}) == 1


def test_collapsed_message_is_unread_again(queued, django_capture_on_commit_callbacks):
    apply(
        JobEvent(job_id=queued.job_id, state=JobState.PROCESSING),
        django_capture_on_commit_callbacks,
    )
    Message.objects.filter(recipient=queued.owner).update(read_at="2020-01-01T00:00:00Z")
    apply(JobEvent(job_id=queued.job_id, state=JobState.DONE), django_capture_on_commit_callbacks)
    assert Message.objects.get(recipient=queued.owner).read_at is None


def test_unknown_job_is_unmatched(queued, pushes, django_capture_on_commit_callbacks):
    assert (
        apply(JobEvent(job_id="nope", state=JobState.DONE), django_capture_on_commit_callbacks)
        is False
    )
    assert (
        apply(
            JobEvent(job_id="", state=JobState.DONE, file_id=queued.pk + 1000),
            django_capture_on_commit_callbacks,
        )
        is False
    )
    assert pushes == []


def test_file_id_must_agree_with_job_id(queued, pushes, django_capture_on_commit_callbacks):
    event = JobEvent(job_id="another-job", state=JobState.DONE, file_id=queued.pk)
    assert apply(event, django_capture_on_commit_callbacks) is False
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED
    assert pushes == []


def test_file_id_alone_matches(queued, django_capture_on_commit_callbacks):
    event = JobEvent(job_id="", state=JobState.PROCESSING, file_id=queued.pk, progress=10)
    assert apply(event, django_capture_on_commit_callbacks) is True
    queued.refresh_from_db()
    assert (queued.status, queued.progress) == (Status.PROCESSING, 10)


def test_submit_failure_marks_failed_and_tells_owner(
    alice, settings, pushes, django_capture_on_commit_callbacks
):
    settings.TRANSCODER_BACKEND = "tests.uploads.test_services.RefusingTranscoder"
    audio = AudioFile.objects.create(owner=alice, name="a.wav", original="audio/1/x/a.wav")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_job(file_id=audio.pk)

    audio.refresh_from_db()
    assert audio.status == Status.FAILED
    assert audio.job_id is None
    assert audio.error == "quota exceeded"
    assert [f["message"]["text"] for _, f in pushes] == ["Transcoding a.wav failed: quota exceeded"]


class RefusingTranscoder:
    def submit(self, audio_file):
        from uploads.transcoders import TranscoderError

        raise TranscoderError("quota exceeded")
