"""Snooze: out of the inbox and the count until a time, then back as a new unread message,
woken exactly once whoever runs the wake-up (snooze/services.py)."""

import io
import json
import threading
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

import live
from notifications import selectors, services
from notifications.models import Message
from snooze import services as snooze
from snooze.times import InvalidSnooze
from tests.concurrently import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def frames(monkeypatch) -> list[tuple[int, dict]]:
    """Every frame sent after commit, one at a time or many at once, as Redis carries it."""
    sent: list[tuple[int, dict]] = []

    def one(user_id: int, frame: dict) -> bool:
        sent.append((user_id, json.loads(live.encode(frame))))
        return True

    async def many(pushes: list) -> bool:
        for user_id, frame in pushes:
            one(user_id, frame)
        return True

    monkeypatch.setattr(live, "send_now", one)
    monkeypatch.setattr(live, "send_many", many)
    return sent


def _soon(seconds: float = 3600) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def test_a_snoozed_message_leaves_the_inbox_and_the_count_and_every_tab_is_told(
    alice, frames, django_capture_on_commit_callbacks
):
    kept, away = services.notify(alice, "kept"), services.notify(alice, "away")
    frames.clear()
    until = _soon()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert snooze.snooze(user=alice, ids=[away.pk, away.pk], until=until) == [away.pk]
    assert frames == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert frames == [
        (
            alice.pk,
            {"type": "snoozed", "ids": [away.pk], "until": until.isoformat(), "unread_count": 1},
        )
    ]
    assert selectors.unread_count(user_id=alice.pk) == 1
    assert [m.pk for m in selectors.inbox_page(user_id=alice.pk).messages] == [kept.pk]
    assert [m.pk for m in selectors.inbox_page(user_id=alice.pk, snoozed=True).messages] == [
        away.pk
    ]
    assert [m["id"] for m in selectors.sync_frame(user_id=alice.pk)["unread"]] == [kept.pk]


def test_only_own_messages_are_snoozed_and_a_past_time_is_refused(alice, bob):
    theirs = services.notify(bob, "bob's")
    assert snooze.snooze(user=alice, ids=[theirs.pk, 2**62], until=_soon()) == []
    assert Message.objects.get(pk=theirs.pk).snoozed_until is None
    with pytest.raises(InvalidSnooze):
        snooze.snooze(user=bob, ids=[theirs.pk], until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidSnooze):
        snooze.snooze(user=bob, ids=[theirs.pk], until=timezone.now() + timedelta(days=400))


def test_at_its_time_it_comes_back_unread_as_new_with_a_toast(
    alice, frames, django_capture_on_commit_callbacks
):
    message = services.notify(alice, "later")
    services.mark_read(user=alice, ids=[message.pk])
    Message.objects.filter(pk=message.pk).update(seen_at=timezone.now())
    snooze.snooze(user=alice, ids=[message.pk], until=_soon(60))
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert snooze.wake_due() == 0  # not yet
        assert snooze.wake_due(now=_soon(61)) == 1
    back = Message.objects.get(pk=message.pk)
    assert back.snoozed_until is back.read_at is back.seen_at is None
    # The digest and Web Push see it as new (tests/offline/test_receivers.py).
    assert back.created_at > message.created_at
    assert selectors.unread_count(user_id=alice.pk) == 1
    assert [(user, f["type"], f["message"]["id"], f.get("toast")) for user, f in frames] == [
        (alice.pk, "notification", message.pk, None)  # toasts (no `toast: false`)
    ]
    assert frames[0][1]["unread_count"] == 1


def test_a_wake_up_honours_the_users_toast_preferences(
    alice, frames, django_capture_on_commit_callbacks
):
    from notifications import preferences

    preferences.update_preferences(user=alice, changes={"toast": {"info": False}})
    message = services.notify(alice, "quiet")
    snooze.snooze(user=alice, ids=[message.pk], until=_soon(60))
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        snooze.wake_due(now=_soon(61))
    assert [f.get("toast") for _, f in frames] == [False]


def test_each_wake_up_happens_once_whoever_runs_it(alice, frames):
    message = services.notify(alice, "once")
    snooze.snooze(user=alice, ids=[message.pk], until=_soon(60))
    later = _soon(61)
    assert snooze.wake_due(now=later) + snooze.wake_due(now=later) == 1
    out = io.StringIO()
    call_command("wake_snoozed", stdout=out)
    assert out.getvalue().strip() == "woke 0 messages"


def test_the_command_wakes_what_came_due(alice):
    message = services.notify(alice, "due")
    snooze.snooze(user=alice, ids=[message.pk], until=_soon(60))
    Message.objects.filter(pk=message.pk).update(snoozed_until=timezone.now())
    out = io.StringIO()
    call_command("wake_snoozed", stdout=out)
    assert out.getvalue().strip() == "woke 1 messages"
    assert selectors.unread_count(user_id=alice.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_wakers_claim_each_message_exactly_once(alice):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL (SQLite runs writes one at a time)")
    messages = [services.notify(alice, f"m{i}") for i in range(40)]
    snooze.snooze(user=alice, ids=[m.pk for m in messages], until=_soon(60))
    later = _soon(61)
    woken: list[int] = []
    start = threading.Barrier(4)

    def waker() -> None:
        from django.db import connections

        start.wait()
        try:
            woken.append(snooze.wake_due(now=later))
        finally:
            connections.close_all()

    run_together([waker] * 4)
    assert sum(woken) == 40
    assert selectors.unread_count(user_id=alice.pk) == 40


def test_unsnooze_brings_it_back_quietly_and_archive_ends_a_snooze(
    alice, frames, django_capture_on_commit_callbacks
):
    a, b = services.notify(alice, "a"), services.notify(alice, "b")
    snooze.snooze(user=alice, ids=[a.pk, b.pk], until=_soon())
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert snooze.unsnooze(user=alice, ids=[a.pk]) == [a.pk]
    assert [(f["type"], f.get("toast")) for _, f in frames] == [("notification", False)]
    assert services.archive(user=alice, ids=[b.pk]) == [b.pk]
    assert Message.objects.get(pk=b.pk).snoozed_until is None
    assert selectors.unread_count(user_id=alice.pk) == 1
    assert snooze.next_due() is None


def test_a_collapsed_update_or_mark_unread_ends_the_snooze(alice):
    job = services.notify(alice, "50%", collapse_key="job")
    snooze.snooze(user=alice, ids=[job.pk], until=_soon())
    services.notify(alice, "done", collapse_key="job")
    assert Message.objects.get(pk=job.pk).snoozed_until is None
    assert selectors.unread_count(user_id=alice.pk) == 1
    services.mark_read(user=alice, ids=[job.pk])
    snooze.snooze(user=alice, ids=[job.pk], until=_soon())
    assert services.mark_unread(user=alice, ids=[job.pk]) == [job.pk]
    assert Message.objects.get(pk=job.pk).snoozed_until is None
    assert selectors.unread_count(user_id=alice.pk) == 1


def test_next_due_is_the_earliest_snooze(alice):
    a, b = services.notify(alice, "a"), services.notify(alice, "b")
    snooze.snooze(user=alice, ids=[a.pk], until=_soon(7200))
    snooze.snooze(user=alice, ids=[b.pk], until=_soon(60))
    assert abs(snooze.next_due() - _soon(60)) < timedelta(seconds=5)
