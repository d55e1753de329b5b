"""offline 0002 and notifications 0011: what was pushed (`Message.pushed_at`) and emailed
(`EmailedMessage`) before this app carries over to `Taken`, so nothing already sent is
sent again, and back again when migrating backwards; the subscriptions keep their table."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from notifications import selectors, services
from notifications.models import Message
from offline.models import PushSubscription, Taken
from tests.conftest import PASSWORD
from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0010_snooze"), ("offline", None)]
PUSHED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EMAILED = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_what_was_sent_is_carried_over_and_back():
    try:
        old = migrate(BEFORE)
        user = old.get_model(settings.AUTH_USER_MODEL).objects.create(username="old")
        OldMessage = old.get_model("notifications", "Message")
        pushed, emailed, both, _neither = (
            OldMessage.objects.create(recipient=user, text=text)
            for text in ("pushed", "emailed", "both", "neither")
        )
        OldMessage.objects.filter(pk__in=[pushed.pk, both.pk]).update(pushed_at=PUSHED)
        Emailed = old.get_model("notifications", "EmailedMessage")
        for message in (emailed, both):
            Emailed.objects.create(message=message, emailed_at=EMAILED)
        old.get_model("notifications", "PushSubscription").objects.create(
            user=user, endpoint="https://push.example/old", p256dh="k", auth="a"
        )

        migrate(latest())
        assert sorted(Taken.objects.values_list("message_id", "channel", "taken_at")) == sorted(
            [
                (pushed.pk, "push", PUSHED),
                (both.pk, "push", PUSHED),
                (emailed.pk, "email", EMAILED),
                (both.pk, "email", EMAILED),
            ]
        )
        assert Message.objects.count() == 4
        # The same table, the same row: nothing about a subscription moved.
        assert list(PushSubscription.objects.values_list("endpoint", "user_id")) == [
            ("https://push.example/old", user.pk)
        ]

        old = migrate(BEFORE)
        OldMessage = old.get_model("notifications", "Message")
        assert dict(OldMessage.objects.values_list("text", "pushed_at")) == {
            "pushed": PUSHED,
            "emailed": None,
            "both": PUSHED,
            "neither": None,
        }
        Emailed = old.get_model("notifications", "EmailedMessage")
        assert sorted(Emailed.objects.values_list("message_id", "emailed_at")) == sorted(
            [(emailed.pk, EMAILED), (both.pk, EMAILED)]
        )
        assert old.get_model("notifications", "PushSubscription").objects.count() == 1
    finally:
        migrate(latest())  # the other tests' schema


def test_the_unread_counter_survives_the_column_going():
    """SQLite drops `pushed_at` in place: the counter's triggers on the table stay."""
    try:
        migrate(BEFORE)
        migrate(latest())
        user = get_user_model().objects.create_user(username="counted", password=PASSWORD)
        services.notify(user, "one")
        assert selectors.unread_count(user_id=user.pk) == 1
    finally:
        migrate(latest())
