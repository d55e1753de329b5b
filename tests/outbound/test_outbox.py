"""outbound/outbox.py: every write site stores its lifecycle events in its transaction."""

import json

import pytest
from django.db import transaction

from notifications import bulk, services
from notifications.models import Message
from outbound.models import OutboundEvent

pytestmark = pytest.mark.django_db


def events() -> list[tuple[str, dict]]:
    return [(e.type, json.loads(e.body)) for e in OutboundEvent.objects.order_by("id")]


def test_nothing_is_stored_when_no_url_is_set(alice, settings):
    settings.OUTBOUND_WEBHOOK_URL = ""
    message = services.notify(alice, "hi")
    services.mark_read(user=alice, ids=[message.id])
    bulk.notify_many([bulk.NotifySpec(text="x", user_id=alice.pk)])
    assert OutboundEvent.objects.count() == 0


def test_each_service_stores_its_event(alice, outbound):
    first = services.notify(alice, "one", link="/a/")
    second = services.notify(alice, "two")
    services.mark_seen(user=alice, ids=[first.id])
    services.mark_read(user=alice, ids=[first.id, second.id])
    services.mark_unread(user=alice, ids=[second.id])
    services.archive(user=alice, ids=[first.id])
    services.unarchive(user=alice, ids=[first.id])
    services.delete(user=alice, ids=[second.id])
    services.edit_message(message_id=first.id, text="one, edited", level="info", link="")
    stored = events()
    assert [t for t, _ in stored] == [
        "message.created",
        "message.created",
        "message.seen",
        "message.read",
        "message.unread",
        "message.archived",
        "message.unarchived",
        "message.deleted",
        "message.updated",
    ]
    user = {"id": alice.pk, "username": "alice"}
    created = stored[0][1]
    assert created["type"] == "message.created"
    assert created["data"] == {"user": user, "message": first.to_payload()}
    assert stored[3][1]["data"] == {"user": user, "message_ids": sorted([first.id, second.id])}
    assert stored[7][1]["data"] == {"user": user, "message_ids": [second.id]}
    assert stored[8][1]["data"]["message"]["text"] == "one, edited"


def test_no_change_stores_no_event(alice, outbound):
    message = services.notify(alice, "one")
    before = OutboundEvent.objects.count()
    services.mark_read(user=alice, ids=[message.id])
    services.mark_read(user=alice, ids=[message.id])  # already read: nothing changed
    services.mark_all_read(user=alice)
    services.archive(user=alice, ids=[10**9])  # unknown id
    assert OutboundEvent.objects.count() == before + 1


def test_a_repeated_source_id_stores_no_second_event(alice, outbound):
    services.notify(alice, "one", source_id="s-1")
    services.notify(alice, "one", source_id="s-1")
    assert [t for t, _ in events()] == ["message.created"]


def test_a_collapsed_update_is_an_update(alice, outbound):
    services.notify(alice, "50 %", collapse_key="upload:1")
    services.notify(alice, "100 %", collapse_key="upload:1")
    assert [t for t, _ in events()] == ["message.created", "message.updated"]


def test_a_rolled_back_change_leaves_no_event(alice, outbound):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(alice, "never committed")
        raise RuntimeError
    assert OutboundEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_bulk_writers_store_one_event_per_message_or_per_user(alice, bob, outbound):
    results, _ = bulk.notify_many(
        [bulk.NotifySpec(text="a", user_id=alice.pk), bulk.NotifySpec(text="b", username="bob")]
    )
    ids = [r.message_id for r in results]
    bulk.ack_many([(alice.pk, [ids[0]]), (bob.pk, [ids[1], 10**9])])
    services.notify_users(user_ids=[alice.pk, bob.pk], text="everyone")
    stored = events()
    assert [t for t, _ in stored] == ["message.created"] * 2 + ["message.read"] * 2 + [
        "message.created"
    ] * 2
    reads = {e["data"]["user"]["username"]: e["data"]["message_ids"] for _, e in stored[2:4]}
    assert reads == {"alice": [ids[0]], "bob": [ids[1]]}


def test_a_large_state_change_is_cut_into_events_of_bounded_size(alice, outbound, monkeypatch):
    from outbound import outbox

    monkeypatch.setattr(outbox, "IDS_PER_EVENT", 2)
    for n in range(5):
        services.notify(alice, f"m{n}")
    OutboundEvent.objects.all().delete()
    changed = services.mark_all_read(user=alice)
    sizes = [len(e["data"]["message_ids"]) for _, e in events()]
    assert sizes == [2, 2, 1] and sum(sizes) == len(changed) == 5


def test_the_hot_path_pays_two_queries_per_batch_when_on_and_none_when_off(
    alice, bob, settings, receiver, django_assert_num_queries
):
    specs = [bulk.NotifySpec(text=f"m{i}", user_id=(alice.pk, bob.pk)[i % 2]) for i in range(50)]
    settings.OUTBOUND_WEBHOOK_URL = ""
    with django_assert_num_queries(3) as off:  # insert, counts, preferences
        bulk.notify_many(specs, repeats_possible=False)
    settings.OUTBOUND_WEBHOOK_URL = receiver.url
    settings.OUTBOUND_WEBHOOK_IN_PROCESS = False
    with django_assert_num_queries(len(off.captured_queries) + 2):  # the names, one insert
        bulk.notify_many(specs, repeats_possible=False)
    assert OutboundEvent.objects.count() == 50
