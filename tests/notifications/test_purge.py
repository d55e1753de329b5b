from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def aged(user, text: str, *, days: int, read: bool) -> Message:
    message = services.notify(user, text)
    when = timezone.now() - timedelta(days=days)
    Message.objects.filter(pk=message.pk).update(created_at=when, read_at=when if read else None)
    return message


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_notifications", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rows(alice, bob):
    return {
        "old_read": aged(alice, "old read", days=100, read=True),
        "old_unread": aged(alice, "old unread", days=100, read=False),
        "new_read": aged(alice, "new read", days=10, read=True),
        "bob_old_read": aged(bob, "bob old read", days=200, read=True),
    }


def test_deletes_only_read_messages_past_the_retention(rows):
    assert "deleted 2 read messages older than 90 days" in purge()
    left = set(Message.objects.values_list("text", flat=True))
    assert left == {"old unread", "new read"}  # unread ones are never purged


def test_rows_that_go_with_a_message_are_not_counted(rows):
    from offline.models import Channel, Taken  # what Web Push and email took goes too

    for channel in Channel:
        Taken.objects.create(message=rows["old_read"], channel=channel, taken_at=timezone.now())
    assert "deleted 2 read messages older than 90 days" in purge()
    assert not Taken.objects.exists()


def test_days_option_and_setting(rows, settings):
    settings.NOTIFICATIONS_RETENTION_DAYS = 5
    assert "deleted 3" in purge()
    assert set(Message.objects.values_list("text", flat=True)) == {"old unread"}


def test_days_override(rows):
    assert "deleted 1" in purge("--days", "150")
    assert not Message.objects.filter(text="bob old read").exists()


def test_dry_run_deletes_nothing(rows):
    assert "would delete 2" in purge("--dry-run")
    assert Message.objects.count() == 4


def test_days_must_be_positive(rows):
    with pytest.raises(CommandError):
        purge("--days", "0")


def test_batches(alice, monkeypatch):
    from notifications.management.commands import purge_notifications

    monkeypatch.setattr(purge_notifications, "BATCH", 2)
    for i in range(5):
        aged(alice, f"r{i}", days=365, read=True)
    assert "deleted 5" in purge()
    assert Message.objects.count() == 0
