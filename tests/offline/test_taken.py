"""offline/taken.py: each channel takes a message once; the channels are independent."""

import threading

import pytest
from django.db import connections
from django.utils import timezone

from notifications import services
from notifications.models import Message
from offline import taken
from offline.models import Channel, Taken
from tests.concurrently import run_together

pytestmark = pytest.mark.django_db


def test_a_message_taken_by_a_channel_is_not_taken_by_it_again(alice):
    message = services.notify(alice, "once")
    now = timezone.now()
    assert taken.claim(channel=Channel.PUSH, ids=[message.pk], now=now) == [message.pk]
    # A second claim (another run, another worker) skips the row, without an error.
    assert taken.claim(channel=Channel.PUSH, ids=[message.pk], now=now) == []
    assert list(Taken.objects.values_list("message_id", "channel", "taken_at")) == [
        (message.pk, "push", now)
    ]
    assert not taken.not_taken(Message.objects.all(), channel=Channel.PUSH).exists()


def test_push_and_email_are_independent_channels(alice):
    message = services.notify(alice, "both")
    now = timezone.now()
    assert taken.claim(channel=Channel.PUSH, ids=[message.pk], now=now) == [message.pk]
    assert taken.claim(channel=Channel.EMAIL, ids=[message.pk], now=now) == [message.pk]
    assert taken.claim(channel=Channel.EMAIL, ids=[message.pk], now=now) == []

    # Giving the email back leaves the push taken.
    taken.give_back(channel=Channel.EMAIL, ids=[message.pk])
    assert list(taken.not_taken(Message.objects.all(), channel=Channel.EMAIL)) == [message]
    assert not taken.not_taken(Message.objects.all(), channel=Channel.PUSH).exists()


def test_only_unread_unseen_messages_are_taken_and_a_batch_takes_the_rest(alice, bob):
    read, seen, archived, free, taken_before, bobs = (
        services.notify(user, text)
        for user, text in [
            (alice, "read"),
            (alice, "seen"),
            (alice, "archived"),
            (alice, "free"),
            (alice, "taken"),
            (bob, "bob's"),
        ]
    )
    services.mark_read(user=alice, ids=[read.pk])
    services.mark_seen(user=alice, ids=[seen.pk])
    services.archive(user=alice, ids=[archived.pk])
    now = timezone.now()
    taken.claim(channel=Channel.EMAIL, ids=[taken_before.pk], now=now)

    ids = [m.pk for m in (read, seen, archived, free, taken_before, bobs)]
    assert taken.claim(channel=Channel.EMAIL, ids=ids, now=now) == sorted([free.pk, bobs.pk])
    assert taken.claim(channel=Channel.EMAIL, ids=[], now=now) == []


def test_forget_lets_the_channels_take_it_again(alice):
    message = services.notify(alice, "news again")
    now = timezone.now()
    for channel in Channel:
        taken.claim(channel=channel, ids=[message.pk], now=now)
    taken.forget(ids=[message.pk], channels=[Channel.PUSH])
    assert list(Taken.objects.values_list("channel", flat=True)) == ["email"]
    taken.forget(ids=[message.pk])
    assert not Taken.objects.exists()


def test_purging_a_message_drops_what_was_taken(alice):
    message = services.notify(alice, "gone")
    taken.claim(channel=Channel.PUSH, ids=[message.pk], now=timezone.now())
    services.delete(user=alice, ids=[message.pk])
    assert not Taken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_take_each_message_once(alice):
    """Workers with their own connections claiming the same messages at once: each message
    goes to exactly one (PostgreSQL: the unique index makes the second insert wait for
    the first, then skip; SQLite: the writes run one at a time)."""
    ids = [services.notify(alice, f"m{i}").pk for i in range(30)]
    now = timezone.now()
    got: list[list[int]] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        try:
            got.append(taken.claim(channel=Channel.PUSH, ids=ids, now=now))
        finally:
            connections.close_all()

    run_together([worker] * 4)
    assert len(got) == 4
    assert sorted(i for claimed in got for i in claimed) == ids
