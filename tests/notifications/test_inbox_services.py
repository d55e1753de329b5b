"""mark_unread and mark_seen: own rows only, pushes after commit."""

import pytest

from notifications import preferences, services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_mark_unread_pushes_a_notification_frame_per_message(
    alice, pushed, django_capture_on_commit_callbacks
):
    a = services.notify(alice, "a")
    b = services.notify(alice, "b")
    services.notify(alice, "c")
    services.mark_all_read(user=alice)
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        changed = services.mark_unread(user=alice, ids=[b.pk, a.pk, a.pk])
    assert changed == [a.pk, b.pk]
    assert pushed == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert [(u, f["type"], f["message"]["id"], f["unread_count"]) for u, f in pushed] == [
        (alice.pk, "notification", a.pk, 2),
        (alice.pk, "notification", b.pk, 2),
    ]
    assert set(Message.objects.unread().values_list("id", flat=True)) == {a.pk, b.pk}


def test_mark_unread_ignores_foreign_unknown_and_unread_ids(
    alice, bob, pushed, django_capture_on_commit_callbacks
):
    theirs = services.notify(bob, "theirs")
    services.mark_all_read(user=bob)
    mine = services.notify(alice, "mine")  # already unread
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_unread(user=alice, ids=[theirs.pk, mine.pk, 999_999, True]) == []
    assert pushed == []
    assert Message.objects.get(pk=theirs.pk).read_at is not None


def test_mark_seen_sets_once_for_own_rows_and_pushes_nothing(
    alice, bob, pushed, django_capture_on_commit_callbacks
):
    mine = services.notify(alice, "mine")
    theirs = services.notify(bob, "theirs")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.mark_seen(user=alice, ids=[mine.pk, theirs.pk, "x"]) == [mine.pk]
    assert callbacks == [] and pushed == []
    first = Message.objects.get(pk=mine.pk).seen_at
    assert first is not None
    assert services.mark_seen(user=alice, ids=[mine.pk]) == []
    assert Message.objects.get(pk=mine.pk).seen_at == first
    assert Message.objects.get(pk=theirs.pk).seen_at is None
    assert Message.objects.get(pk=mine.pk).read_at is None  # seen is not read


def test_mark_unread_honours_do_not_disturb_as_a_new_message_does(
    alice, pushed, django_capture_on_commit_callbacks
):
    """A message unread again comes back quietly while do-not-disturb is on (it did toast)."""
    message = services.notify(alice, "a")
    services.mark_read(user=alice, ids=[message.pk])
    preferences.set_quiet(user=alice, choice="1h")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_unread(user=alice, ids=[message.pk])
    assert [(f["type"], f["message"]["id"], f.get("toast")) for _, f in pushed] == [
        ("notification", message.pk, False)
    ]
