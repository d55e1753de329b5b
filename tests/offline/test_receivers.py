"""offline/receivers.py: what notifications/ announces makes a message news again for the
channels (a woken snooze: both; new content in place: Web Push), and a user's export
holds their Web Push subscriptions."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from offline import digest, taken
from offline.models import Channel, PushSubscription, Taken
from snooze import services as snooze
from userdata import services as userdata

pytestmark = pytest.mark.django_db


def took(message) -> set[str]:
    return set(Taken.objects.filter(message=message).values_list("channel", flat=True))


def test_a_woken_message_may_be_pushed_and_emailed_again(alice):
    message = services.notify(alice, "later")
    for channel in Channel:
        taken.claim(channel=channel, ids=[message.pk], now=timezone.now())
    snooze.snooze(user=alice, ids=[message.pk], until=timezone.now() + timedelta(seconds=60))
    assert took(message) == {"push", "email"}  # a snooze alone forgets nothing
    snooze.wake_due(now=timezone.now() + timedelta(seconds=61))
    assert took(message) == set()


def test_the_email_digest_treats_a_woken_message_as_new(alice):
    alice.email = "alice@example.com"
    alice.save()
    message = services.notify(alice, "emailed once already")
    taken.claim(channel=Channel.EMAIL, ids=[message.pk], now=timezone.now())
    snooze.snooze(user=alice, ids=[message.pk], until=timezone.now() + timedelta(seconds=60))
    woke_at = timezone.now() + timedelta(seconds=61)
    snooze.wake_due(now=woke_at)
    # Not before the digest's delay after the wake-up, then once, as for a new message.
    assert digest.due(now=woke_at + digest.delay() - timedelta(seconds=1)) == []
    assert [m.pk for m in digest.due(now=woke_at + digest.delay())] == [message.pk]


def test_new_content_may_be_pushed_again_but_is_not_emailed_again(alice):
    message = services.notify(alice, "v1", collapse_key="job:1")
    for channel in Channel:
        taken.claim(channel=channel, ids=[message.pk], now=timezone.now())
    services.notify(alice, "v2", collapse_key="job:1")  # updated in place
    assert took(message) == {"email"}

    taken.claim(channel=Channel.PUSH, ids=[message.pk], now=timezone.now())
    services.edit_message(message_id=message.pk, text="v3", level="info", link="")
    assert took(message) == {"email"}


def test_other_changes_forget_nothing(alice):
    message = services.notify(alice, "kept")
    taken.claim(channel=Channel.PUSH, ids=[message.pk], now=timezone.now())
    services.mark_unread(user=alice, ids=[message.pk])
    services.archive(user=alice, ids=[message.pk])
    services.unarchive(user=alice, ids=[message.pk])
    assert took(message) == {"push"}


def test_the_export_holds_the_users_subscriptions_only(alice, bob):
    PushSubscription.objects.create(
        user=alice, endpoint="https://push.example/a", p256dh="k", auth="a"
    )
    PushSubscription.objects.create(
        user=bob, endpoint="https://push.example/b", p256dh="k", auth="a"
    )
    data = json.loads(json.dumps(userdata.export(user=alice)))
    assert [s["endpoint"] for s in data["push_subscriptions"]] == ["https://push.example/a"]
    # In its place among the sections, as before it moved here.
    assert list(data)[:6] == [
        "user",
        "exported_at",
        "unread_count",
        "preferences",
        "push_subscriptions",
        "messages",
    ]
