"""SNS notify deliveries through the batching writer: exactly once, bad rows alone, 503s."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connections

from notifications import writer
from notifications.models import Message
from tests.concurrently import run_together
from tests.consumers.sockets import flush_layer, open_socket, receive
from tests.webhooks.factories import body, notification, sns_headers
from tests.webhooks.test_asgi import asgi_post
from webhooks import notify, sns
from webhooks.batch import SNS_NOTIFY
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


def delivery(signed, user: str = "alice", text: str = "Hi") -> dict:
    return notification(
        {"notify": {"user": user, "text": text}}, key=signed.key, signing_cert_url=signed.url
    )


def envelope(data: dict) -> notify.Delivery:
    """The writer's job for a signed delivery: parsed as the ASGI entry parses it."""
    parsed = notify.parse(sns.parse(body(data), sns_headers(data)))
    assert parsed is not None
    return parsed


@database_sync_to_async
def state() -> tuple[list, list, list]:
    return (
        sorted(Message.objects.values_list("recipient__username", "text", "source_id")),
        sorted(ProcessedMessage.objects.values_list("message_id", "outcome")),
        sorted(UnmatchedMessage.objects.values_list("message_id", "reason")),
    )


async def test_one_message_id_twice_in_one_batch_applies_once(signed, alice):
    data = delivery(signed)
    outcomes = await asyncio.gather(
        writer.submit(SNS_NOTIFY, envelope(data)), writer.submit(SNS_NOTIFY, envelope(data))
    )
    assert [o.duplicate for o in outcomes] == [False, True]
    messages, processed, unmatched = await state()
    assert messages == [("alice", "Hi", data["MessageId"])]
    assert processed == [(data["MessageId"], f"notified user {alice.pk}")]
    assert unmatched == []


async def test_unmatched_and_invalid_deliveries_are_kept_apart_from_the_rest(signed, alice):
    good, nobody, empty = delivery(signed), delivery(signed, "nobody"), delivery(signed, text="")
    outcomes = await asyncio.gather(
        *(writer.submit(SNS_NOTIFY, envelope(d)) for d in (good, nobody, empty))
    )
    assert [o.duplicate for o in outcomes] == [False, False, False]
    messages, processed, unmatched = await state()
    assert messages == [("alice", "Hi", good["MessageId"])]
    assert len(processed) == 3  # every MessageId is recorded, matched or not
    assert sorted(m for m, _ in unmatched) == sorted([nobody["MessageId"], empty["MessageId"]])
    reasons = dict(unmatched)
    assert reasons[nobody["MessageId"]] == "unknown user 'nobody'"
    assert reasons[empty["MessageId"]].startswith("invalid notify payload")


async def test_a_redelivery_in_a_later_batch_is_a_duplicate(signed, alice):
    data = delivery(signed)
    assert not (await writer.submit(SNS_NOTIFY, envelope(data))).duplicate
    assert (await writer.submit(SNS_NOTIFY, envelope(data))).duplicate
    assert len((await state())[0]) == 1


def test_concurrent_batches_in_two_processes_apply_each_message_id_once(signed, alice):
    """Two server processes' writers (two loops, two connections) get the same deliveries."""
    deliveries = [delivery(signed, text=f"m{i}") for i in range(30)]
    results: list[list] = []
    start = threading.Barrier(2)

    def process() -> None:
        async def run():
            start.wait()
            return await asyncio.gather(
                *(writer.submit(SNS_NOTIFY, envelope(d)) for d in deliveries)
            )

        try:
            results.append(asyncio.run(run()))
        finally:
            connections.close_all()

    run_together([process] * 2, timeout=60)
    assert len(results) == 2
    for index, data in enumerate(deliveries):
        applied = [not outcomes[index].duplicate for outcomes in results]
        assert sorted(applied) == [False, True], data["MessageId"]
    assert Message.objects.count() == 30
    assert ProcessedMessage.objects.count() == 30


async def test_a_burst_past_capacity_is_refused_early_and_loses_nothing(signed, alice, settings):
    """503 + Retry-After past the bound; every accepted delivery stored and pushed; the
    socket ends on the database's unread set; the refused ones apply on SNS's retry."""
    settings.NOTIFICATIONS_WRITER_QUEUE = 4
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    deliveries = [delivery(signed, text=f"burst {i}") for i in range(40)]
    responses = await asyncio.gather(
        *(asgi_post("/webhooks/sns/", body(d), sns_headers(d)) for d in deliveries)
    )
    statuses = [r["status"] for r in responses]
    assert set(statuses) == {200, 503}
    for response in responses:
        if response["status"] == 503:
            assert dict(response["headers"])[b"retry-after"] == b"5"
    accepted = {d["MessageId"] for d, s in zip(deliveries, statuses, strict=True) if s == 200}
    stored = {source for _, _, source in (await state())[0]}
    assert stored == accepted
    # Every accepted one was pushed, the last frame with the true count.
    frames = [await receive(socket) for _ in accepted]
    texts = {f"burst {i}" for i, status in enumerate(statuses) if status == 200}
    assert {frame["message"]["text"] for frame in frames} == texts
    assert frames[-1]["unread_count"] == len(accepted)
    # SNS retries the refused ones later: all apply, none twice.
    settings.NOTIFICATIONS_WRITER_QUEUE = 1000
    retried = [d for d, s in zip(deliveries, statuses, strict=True) if s == 503]
    for data in retried:
        assert (await asgi_post("/webhooks/sns/", body(data), sns_headers(data)))["status"] == 200
    assert len((await state())[0]) == 40
    await socket.send_to(text_data='{"type":"sync"}')
    while (frame := await receive(socket))["type"] != "sync":
        pass
    assert frame["unread_count"] == 40 and len(frame["unread"]) == 40
    await socket.disconnect()


async def test_a_user_name_the_database_cannot_query_is_unmatched_not_a_500(signed, alice):
    # PostgreSQL refuses NUL in a query parameter: it must never reach the batch's lookup.
    bad, good = delivery(signed, user="ali\x00ce"), delivery(signed)
    responses = await asyncio.gather(
        *(asgi_post("/webhooks/sns/", body(d), sns_headers(d)) for d in (bad, good))
    )
    assert [r["status"] for r in responses] == [200, 200]
    messages, _, unmatched = await state()
    assert messages == [("alice", "Hi", good["MessageId"])]
    assert [m for m, _ in unmatched] == [bad["MessageId"]]


async def test_a_batch_of_deliveries_stores_each_once_with_its_frame_and_count(
    signed, alice, bob, monkeypatch
):
    """Every delivery of the batch stores a message (PostgreSQL: claim and store are one
    statement): each once, the frames after commit in id order with the right counts."""
    sent: list = []

    async def record(pushes):
        sent.extend(pushes)
        return True

    monkeypatch.setattr(writer.live, "send_many", record)
    datas = [delivery(signed, user, f"n{i}") for i, user in enumerate(["bob", "alice", "bob"])]
    outcomes = await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in datas))
    assert [o.duplicate for o in outcomes] == [False, False, False]
    messages, processed, unmatched = await state()
    assert messages == sorted(
        [("bob", "n0", datas[0]["MessageId"]), ("alice", "n1", datas[1]["MessageId"]),
         ("bob", "n2", datas[2]["MessageId"])]
    )  # fmt: skip
    assert len(processed) == 3 and unmatched == []
    frames = [(user_id, f["message"]["text"], f["unread_count"]) for user_id, f in sent]
    ids = [f["message"]["id"] for _, f in sent]
    assert ids == sorted(ids)
    assert sorted(frames) == sorted([(bob.pk, "n0", 2), (alice.pk, "n1", 1), (bob.pk, "n2", 2)])
    again = await writer.submit(SNS_NOTIFY, envelope(datas[1]))
    assert again.duplicate and len((await state())[0]) == 3


async def test_with_outbound_webhooks_on_a_batch_stores_its_events_with_its_messages(
    signed, alice, bob, settings
):
    # On PostgreSQL a batch in which every delivery stores a message is one statement with
    # no transaction around it; with webhooks on, its `created` events must commit with it.
    from outbound.models import OutboundEvent

    settings.OUTBOUND_WEBHOOK_URL = "https://receiver.example/hooks"
    settings.OUTBOUND_WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    settings.OUTBOUND_WEBHOOK_IN_PROCESS = False  # stored only: nothing is sent here
    datas = [delivery(signed, user, f"n{i}") for i, user in enumerate(["bob", "alice"])]
    outcomes = await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in datas))
    assert [o.duplicate for o in outcomes] == [False, False]
    bodies = await database_sync_to_async(
        lambda: [e.body for e in OutboundEvent.objects.filter(type="message.created")]
    )()
    import json

    created = sorted(
        (b["data"]["user"]["username"], b["data"]["message"]["text"])
        for b in map(json.loads, bodies)
    )
    assert created == [("alice", "n1"), ("bob", "n0")]


async def test_a_batch_stores_each_delivery_s_group_and_a_muted_thread_does_not_toast(
    signed, alice, bob, monkeypatch
):
    """`{"notify": {..., "group": ...}}`: the thread key rides the one-statement path
    (PostgreSQL) and the transactional one alike; a thread alice muted is quiet for her."""
    from threads import services as threads

    sent: list = []

    async def record(pushes):
        sent.extend(pushes)
        return True

    monkeypatch.setattr(writer.live, "send_many", record)
    await database_sync_to_async(threads.mute)(user=alice, key="upload:42")

    def grouped(user: str, text: str, group: str) -> dict:
        payload = {"notify": {"user": user, "text": text, "group": group}}
        return notification(payload, key=signed.key, signing_cert_url=signed.url)

    datas = [grouped("alice", "a", "upload:42"), grouped("bob", "b", "upload:42")]
    datas.append(delivery(signed, "alice", "plain"))
    await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in datas))
    stored = await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("recipient__username", "text", "group"))
    )()
    assert stored == [
        ("alice", "a", "upload:42"),
        ("alice", "plain", ""),
        ("bob", "b", "upload:42"),
    ]
    toasts = {f["message"]["text"]: f.get("toast", True) for _, f in sent}
    assert toasts == {"a": False, "b": True, "plain": True}
    assert {f["message"]["text"]: f["message"].get("group") for _, f in sent} == {
        "a": "upload:42",
        "b": "upload:42",
        "plain": None,
    }


async def test_a_bad_group_in_a_delivery_is_unmatched_alone(signed, alice):
    bad = notification(
        {"notify": {"user": "alice", "text": "x", "group": "has space"}},
        key=signed.key,
        signing_cert_url=signed.url,
    )
    number = notification(
        {"notify": {"user": "alice", "text": "x", "group": 42}},
        key=signed.key,
        signing_cert_url=signed.url,
    )
    good = delivery(signed, "alice", "fine")
    await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in (bad, number, good)))
    messages, _, unmatched = await state()
    assert [text for _, text, _ in messages] == ["fine"]
    reasons = sorted(reason for _, reason in unmatched)
    assert any("group must be" in r for r in reasons)
    assert any("every value must be a string" in r for r in reasons)


@pytest.mark.usefixtures("postgresql_only")
def test_on_postgresql_a_batch_to_existing_users_is_one_statement(signed, alice, bob):
    """The users' lookup, the claim, the insert and the frames' reads in one round trip
    (issue 17): the lookup was a statement of its own before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    datas = [delivery(signed, user, f"n{i}") for i, user in enumerate(["bob", "alice", "bob"])]
    with CaptureQueriesContext(connection) as queries:
        outcomes, pushes = SNS_NOTIFY.run_batch([envelope(d) for d in datas])
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert sql.count("auth_user") == 3  # the claim's lookup, then the counts' and the preferences'
    assert [o.summary for o in outcomes] == [
        f"notified user {bob.pk}",
        f"notified user {alice.pk}",
        f"notified user {bob.pk}",
    ]
    assert sorted((user_id, f["message"]["text"], f["unread_count"]) for user_id, f in pushes) == [
        (alice.pk, "n1", 1),
        (bob.pk, "n0", 2),
        (bob.pk, "n2", 2),
    ]
    processed = dict(ProcessedMessage.objects.values_list("message_id", "outcome"))
    assert processed == {d["MessageId"]: o.summary for d, o in zip(datas, outcomes, strict=True)}
    # Inserted in recipient order (one lock order for the counter rows across processes).
    assert list(Message.objects.order_by("pk").values_list("recipient_id", flat=True)) == sorted(
        [bob.pk, alice.pk, bob.pk]
    )


async def test_an_unknown_user_beside_known_ones_is_unmatched_and_the_rest_stored(
    signed, alice, bob, monkeypatch
):
    """On PostgreSQL the one-statement path leaves the unknown user's MessageId unclaimed;
    it is then claimed as unmatched, as the resolving path does (SQLite)."""
    sent: list = []

    async def record(pushes):
        sent.extend(pushes)
        return True

    monkeypatch.setattr(writer.live, "send_many", record)
    datas = [delivery(signed, "alice", "a"), delivery(signed, "nobody"), delivery(signed, "bob")]
    outcomes = await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in datas))
    assert [o.duplicate for o in outcomes] == [False, False, False]
    assert [o.summary for o in outcomes] == [
        f"notified user {alice.pk}",
        "unknown user 'nobody'",
        f"notified user {bob.pk}",
    ]
    messages, processed, unmatched = await state()
    assert messages == [("alice", "a", datas[0]["MessageId"]), ("bob", "Hi", datas[2]["MessageId"])]
    assert dict(processed) == {
        d["MessageId"]: o.summary for d, o in zip(datas, outcomes, strict=True)
    }
    assert unmatched == [(datas[1]["MessageId"], "unknown user 'nobody'")]
    assert sorted((user_id, f["message"]["text"], f["unread_count"]) for user_id, f in sent) == [
        (alice.pk, "a", 1),
        (bob.pk, "Hi", 1),
    ]
    again = await writer.submit(SNS_NOTIFY, envelope(datas[1]))
    assert again.duplicate


async def test_an_inactive_user_is_unknown_to_a_batch(signed, alice, bob):
    await database_sync_to_async(
        lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    )()
    datas = [delivery(signed, "alice"), delivery(signed, "bob")]
    outcomes = await asyncio.gather(*(writer.submit(SNS_NOTIFY, envelope(d)) for d in datas))
    assert [o.summary for o in outcomes] == [f"notified user {alice.pk}", "unknown user 'bob'"]
    messages, _, unmatched = await state()
    assert [user for user, _, _ in messages] == ["alice"]
    assert unmatched == [(datas[1]["MessageId"], "unknown user 'bob'")]


def _riding_batch(signed, alice, text: str, *, ack_first: bool = False) -> tuple[list, Message]:
    """A delivery to bob and, in the same batch, alice's ack of a message of hers."""
    from notifications import bulk

    acked = Message.objects.create(recipient=alice, text="to read")
    jobs = [
        writer._Job(SNS_NOTIFY, envelope(delivery(signed, "bob", text)), None),
        writer._Job(bulk.ACK, (alice.pk, [acked.pk]), None),
    ]
    return (jobs[::-1] if ack_first else jobs), acked


@pytest.fixture
def writer_session():
    """This thread's connection as the writer's thread keeps it (the lock bound set once
    per connection), reset afterwards."""
    writer._bound_lock_wait(local=False)
    yield
    writer._unbound_session()


@pytest.mark.usefixtures("postgresql_only")
def test_on_postgresql_an_ack_riding_with_a_delivery_shares_its_round_trip(
    signed, alice, bob, writer_session
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    jobs, acked = _riding_batch(signed, alice, "new")
    with CaptureQueriesContext(connection) as queries:
        outcomes, sends = writer._write_batch(jobs, atomic=False)
    assert len(queries.captured_queries) == 1
    (stored, outcome), (read, ids) = outcomes
    assert stored and outcome.summary == f"notified user {bob.pk}"
    assert read and ids == [acked.pk]
    assert (alice.pk, {"type": "read", "ids": [acked.pk], "unread_count": 0}) in sends
    [(user_id, frame)] = [(u, f) for u, f in sends if f["type"] == "notification"]
    assert user_id == bob.pk and frame["message"]["text"] == "new" and frame["unread_count"] == 1
    assert Message.objects.get(pk=acked.pk).read_at is not None


@pytest.mark.usefixtures("postgresql_only")
def test_a_failure_in_the_shared_round_trip_undoes_the_ack_and_its_retry_sends_read(
    signed, alice, bob, writer_session, monkeypatch
):
    """One round trip is one transaction: a delivery's statement failing rolls the ack
    back too, so the one-by-one retry marks it read and sends its `read` frame (run
    apart, the ack had committed, and its retry found nothing left to mark)."""

    from webhooks import batch

    broken = {"left": 1}
    real = batch._claim_and_store_sql

    def failing_once(users, count):
        if broken["left"]:
            broken["left"] -= 1
            return "SELECT 1 / 0"
        return real(users, count)

    monkeypatch.setattr(batch, "_claim_and_store_sql", failing_once)
    # The ack first: its statement is the one that would have committed before the
    # delivery's failed.
    jobs, acked = _riding_batch(signed, alice, "after a failure", ack_first=True)
    outcomes, sends, one_by_one = writer._write_group(jobs, atomic=False)
    assert one_by_one
    (read, ids), (stored, outcome) = outcomes
    assert stored and outcome.summary == f"notified user {bob.pk}"
    assert read and ids == [acked.pk]
    assert (alice.pk, {"type": "read", "ids": [acked.pk], "unread_count": 0}) in sends
    assert Message.objects.get(pk=acked.pk).read_at is not None
