"""notifications/frames.py: the one builder of `notification` frames."""

import ast
from pathlib import Path

import pytest

from notifications import frames, preferences
from notifications.models import Message

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_frames_come_oldest_first_with_each_users_total(alice, bob):
    later = Message.objects.create(recipient=alice, text="b")
    earlier = Message.objects.create(recipient=bob, text="a")
    first = Message.objects.create(recipient=alice, text="c")
    built = frames.notification_frames([later, first, earlier])
    assert [(user, f["message"]["id"], f["unread_count"]) for user, f in built] == [
        (alice.pk, later.pk, 2),
        (bob.pk, earlier.pk, 1),
        (alice.pk, first.pk, 2),
    ]
    assert all("toast" not in f for _, f in built)  # nothing holds them: they toast


def test_preferences_hold_toasts_for_their_user_only(alice, bob):
    preferences.set_quiet(user=alice, choice="1h")
    preferences.update_preferences(user=bob, changes={"toast": {"error": False}})
    messages = [
        Message.objects.create(recipient=alice, text="a"),
        Message.objects.create(recipient=bob, text="b", level="error"),
        Message.objects.create(recipient=bob, text="c"),
    ]
    built = frames.notification_frames(messages)
    assert [f.get("toast", True) for _, f in built] == [False, False, True]


def test_quiet_frames_never_toast_and_read_only_the_totals(alice, django_assert_num_queries):
    message = Message.objects.create(recipient=alice, text="a", level="error")
    with django_assert_num_queries(1):
        [(user, frame)] = frames.notification_frames([message], quiet=True)
    assert (user, frame["toast"], frame["unread_count"]) == (alice.pk, False, 1)


def test_only_the_builder_makes_notification_frames():
    """One builder per frame type: no writer calls frames.notification_frame itself, so none
    can forget the user's preferences (services.mark_unread once did)."""
    callers = set()
    packages = [p.parent for p in REPO.glob("*/__init__.py")]  # the apps and tests/
    for path in (path for package in packages for path in package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            named = (
                (isinstance(node, ast.Attribute) and node.attr == "notification_frame")
                or (isinstance(node, ast.alias) and node.name == "notification_frame")
                or (isinstance(node, ast.Name) and node.id == "notification_frame")
            )
            if named:
                callers.add(str(path.relative_to(REPO)))
    assert callers == {"notifications/frames.py"}
