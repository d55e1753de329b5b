import asyncio
import functools
import threading
import time

import pytest
from channels.layers import get_channel_layer
from django.db import connection

import live
from notifications import services
from notifications.models import Message
from tests.concurrently import run_together

pytestmark = pytest.mark.django_db


def test_notify_saves_and_pushes_after_commit(alice, pushed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.notify(alice, "Hello", level="success", link="/uploads/1/")
    assert pushed == []  # nothing leaves before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert Message.objects.get().text == "Hello"
    [(user_id, frame)] = pushed
    assert user_id == alice.pk
    assert frame == {
        "type": "notification",
        "message": {
            "id": message.pk,
            "text": "Hello",
            "level": "success",
            "link": "/uploads/1/",
            "created_at": message.created_at.isoformat(),
        },
        "unread_count": 1,
    }


def test_repeated_source_id_returns_existing_and_pushes_nothing(
    alice, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(alice, "Once", source_id="sns-1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.notify(alice, "Once", source_id="sns-1")
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert callbacks == []
    assert len(pushed) == 1


def test_collapse_key_updates_in_place_and_marks_unread(
    alice, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(alice, "Transcoding a.wav", collapse_key="file:1")
        services.mark_read(user=alice, ids=[first.pk])
        second = services.notify(alice, "a.wav is ready", level="success", collapse_key="file:1")
    assert second.pk == first.pk
    row = Message.objects.get()
    assert (row.text, row.level, row.read_at) == ("a.wav is ready", "success", None)
    frames = [f for _, f in pushed]
    assert [f["type"] for f in frames] == ["notification", "read", "notification"]
    assert frames[2]["message"]["id"] == first.pk
    assert frames[2]["unread_count"] == 1


def test_collapse_keys_are_per_user(alice, bob, pushed):
    a = services.notify(alice, "job", collapse_key="job")
    b = services.notify(bob, "job", collapse_key="job")
    assert a.pk != b.pk


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": ""}, "empty"),
        ({"text": "x" * 1001}, "longer"),
        ({"level": "fatal"}, "level"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"link": "data:text/html,hi"}, "link"),
    ],
)
def test_invalid_notifications_are_refused(alice, pushed, kwargs, error):
    args = {"text": "ok", **kwargs}
    with pytest.raises(services.InvalidNotification, match=error):
        services.notify(alice, args.pop("text"), **args)
    assert Message.objects.count() == 0


def test_mark_read_touches_only_own_unread(alice, bob, pushed, django_capture_on_commit_callbacks):
    mine = services.notify(alice, "mine")
    theirs = services.notify(bob, "theirs")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.mark_read(user=alice, ids=[mine.pk, theirs.pk, 999_999])
    assert changed == [mine.pk]
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert pushed == [(alice.pk, {"type": "read", "ids": [mine.pk], "unread_count": 0})]

    # Already read: nothing changes, nothing is pushed.
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_read(user=alice, ids=[mine.pk]) == []
        assert services.mark_read(user=bob, ids=[mine.pk]) == []
    assert pushed == []


def test_mark_read_ignores_non_integer_ids(alice, pushed):
    message = services.notify(alice, "x")
    assert services.mark_read(user=alice, ids=["1", True, None, 1.5]) == []
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read(alice, bob, pushed, django_capture_on_commit_callbacks):
    ids = [services.notify(alice, f"m{i}").pk for i in range(3)]
    services.notify(bob, "b")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_all_read(user=alice) == sorted(ids)
    assert Message.objects.for_user(alice.pk).unread().count() == 0
    assert Message.objects.for_user(bob.pk).unread().count() == 1
    assert pushed == [(alice.pk, {"type": "read", "ids": sorted(ids), "unread_count": 0})]


def test_a_failed_send_never_reaches_the_producer(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    async def broken(*args, **kwargs):
        raise ConnectionError("layer down")

    monkeypatch.setattr(live, "_within_send_timeout", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(alice, "saved anyway")
    assert Message.objects.filter(pk=message.pk).exists()


def test_replaying_the_first_event_after_a_collapse_changes_nothing(alice, pushed):
    first = services.notify(alice, "Transcoding a.wav", collapse_key="f1", source_id="e1")
    services.notify(alice, "a.wav is ready", level="success", collapse_key="f1", source_id="e2")
    again = services.notify(alice, "Transcoding a.wav", collapse_key="f1", source_id="e1")
    assert again.pk == first.pk
    assert Message.objects.get().text == "a.wav is ready"


def test_a_concurrent_first_collapse_updates_the_winners_row(alice, pushed, monkeypatch):
    winner = services.notify(alice, "Transcoding a.wav", collapse_key="f1")
    real = services.messages._collapsible
    calls = []

    def racing(user, key):
        calls.append(key)
        # The first look finds nothing, as when another producer commits meanwhile.
        return None if len(calls) == 1 else real(user, key)

    monkeypatch.setattr(services.messages, "_collapsible", racing)
    message = services.notify(alice, "a.wav is ready", collapse_key="f1")
    assert message.pk == winner.pk
    assert Message.objects.get().text == "a.wav is ready"


@pytest.mark.django_db(transaction=True)
def test_concurrent_acks_claim_each_message_once(alice, bob, pushed):
    """Tabs acking the same toasts at once: each id is reported (and pushed) by one of them."""
    mine = [services.notify(alice, f"m{i}").pk for i in range(30)]
    theirs = services.notify(bob, "not alice's").pk
    start = threading.Barrier(4)
    claimed: list[list[int]] = []

    def ack(ids: list[int]) -> None:
        start.wait()
        try:
            claimed.append(services.mark_read(user=alice, ids=ids))
        finally:
            connection.close()

    run_together([functools.partial(ack, [*mine[k:], theirs]) for k in (0, 5, 10, 15)], timeout=30)
    assert sorted(i for ids in claimed for i in ids) == mine
    read_frames = [f for user, f in pushed if user == alice.pk and f["type"] == "read"]
    assert sorted(i for f in read_frames for i in f["ids"]) == mine
    assert not Message.objects.filter(pk__in=mine, read_at__isnull=True).exists()
    assert Message.objects.get(pk=theirs).read_at is None


def test_a_hanging_layer_delays_the_producer_by_the_send_timeout_only(
    alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A Redis that accepts but never answers (paused, partitioned) must not hang a webhook."""
    settings.NOTIFICATIONS_SEND_TIMEOUT = 0.2
    layer = get_channel_layer()

    async def never_answers(*args, **kwargs):
        await asyncio.sleep(3600)

    monkeypatch.setattr(layer, "group_send", never_answers)
    results: list[bool] = []
    real_push = live.send_now
    monkeypatch.setattr(live, "send_now", lambda *a: results.append(real_push(*a)))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(alice, "saved anyway")
    assert time.monotonic() - started < 5  # the timeout, not the hour
    assert results == [False]
    assert Message.objects.filter(pk=message.pk, read_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_mark_all_read_commits_in_slices_each_with_its_read_frame(alice, settings, monkeypatch):
    # One transaction over every unread message held the user's counter row (and the
    # batching writer behind it) for the whole job (issue #19): each slice commits alone.
    settings.NOTIFICATIONS_BULK_SLICE = 10
    Message.objects.bulk_create(Message(recipient=alice, text=f"m{i}") for i in range(25))
    committed = []

    def fake_send(user_id: int, frame: dict) -> bool:
        # Sent on commit: what the database holds then tells whether the slice was alone.
        unread = Message.objects.for_user(user_id).unread().count()
        committed.append((len(frame["ids"]), frame["unread_count"], unread))
        return True

    monkeypatch.setattr(live, "send_now", fake_send)
    changed = services.mark_all_read(user=alice)
    assert len(changed) == 25
    assert committed == [(10, 15, 15), (10, 5, 5), (5, 0, 0)]
