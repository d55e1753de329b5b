"""The batching writer: one transaction per batch, answers after commit, bad rows alone."""

import asyncio
import contextlib
import functools
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError, OperationalError, connection

import live
from notifications import bulk, services, writer
from notifications.models import Message
from tests.concurrently import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    frames: list[tuple[int, dict]] = []

    async def record(pushes):
        # Pushed only after commit: another connection already sees every row pushed.
        ids = {frame["message"]["id"] for _, frame in pushes if frame["type"] == "notification"}
        visible = await database_sync_to_async(
            lambda: set(Message.objects.filter(pk__in=ids).values_list("pk", flat=True))
        )()
        assert visible == ids
        frames.extend(pushes)
        return True

    monkeypatch.setattr(live, "send_many", record)
    return frames


class Recording:
    """A job handler that records how it was called, failing the way a test asks."""

    def __init__(self, *, fail_batches: int = 0, poison: object = None) -> None:
        self.batches: list[list] = []
        self.ones: list = []
        self.fail_batches = fail_batches
        self.poison = poison

    def run_batch(self, payloads):
        self.batches.append(list(payloads))
        if len(self.batches) <= self.fail_batches:
            raise OperationalError("database is locked")
        if self.poison in payloads:
            raise OperationalError("a bad row")
        return [p * 2 for p in payloads], []

    def run_one(self, payload):
        self.ones.append(payload)
        if payload == self.poison:
            raise ValueError("refused alone")
        return payload * 2, []


async def test_jobs_waiting_together_share_one_batch():
    handler = Recording()
    results = await asyncio.gather(*(writer.submit(handler, n) for n in range(5)))
    assert results == [0, 2, 4, 6, 8]
    assert handler.batches == [[0, 1, 2, 3, 4]] and handler.ones == []


async def test_a_busy_batch_is_retried_whole():
    handler = Recording(fail_batches=1)
    assert await asyncio.gather(writer.submit(handler, 1), writer.submit(handler, 2)) == [2, 4]
    assert handler.batches == [[1, 2], [1, 2]] and handler.ones == []


async def test_a_bad_row_fails_alone():
    handler = Recording(poison=3)
    jobs = [writer.submit(handler, n) for n in (1, 3, 5)]
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    assert outcomes[0] == 2 and outcomes[2] == 10
    assert isinstance(outcomes[1], ValueError)
    assert handler.ones == [1, 3, 5]  # the batch failed, then each ran in its own transaction


async def test_past_the_queue_bound_submit_refuses_at_once(settings):
    settings.NOTIFICATIONS_WRITER_QUEUE = 2
    handler = Recording()
    w = writer.get_writer()
    first, second = w.submit(handler, 1), w.submit(handler, 2)
    with pytest.raises(writer.Overloaded):
        w.submit(handler, 3)
    # Acks are bounded by each socket's rate limit instead, and are never refused here.
    third = w.submit(handler, 4, bounded=False)
    assert await asyncio.gather(first, second, third) == [2, 4, 8]
    assert await writer.submit(handler, 5) == 10  # the queue drained: accepted again


async def test_notify_many_stores_each_once_and_pushes_after_commit(alice, bob, pushed):
    specs = [
        bulk.NotifySpec(text="one", username="alice", source_id="s-1"),
        bulk.NotifySpec(text="one again", username="alice", source_id="s-1"),
        bulk.NotifySpec(text="for bob", username="bob", source_id="s-1"),
        bulk.NotifySpec(text="", username="alice"),
        bulk.NotifySpec(text="nobody's", username="nobody"),
        bulk.NotifySpec(text="no link", username="bob", link="javascript:alert(1)"),
    ]
    results = await asyncio.gather(*(writer.submit(bulk.NOTIFY, spec) for spec in specs))
    first, again, for_bob, empty, unknown, bad_link = results
    assert first.created and not again.created and again.message_id == first.message_id
    assert for_bob.created and for_bob.user_id == bob.pk
    assert [r.code for r in (empty, unknown, bad_link)] == [
        "invalid_notification",
        "unknown_user",
        "invalid_notification",
    ]
    stored = await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("recipient__username", "text"))
    )()
    assert stored == [("alice", "one"), ("bob", "for bob")]
    assert sorted((user, f["message"]["text"], f["unread_count"]) for user, f in pushed) == sorted(
        [(alice.pk, "one", 1), (bob.pk, "for bob", 1)]
    )


async def test_a_foreign_key_failure_in_a_batch_refuses_that_job_only(alice, pushed):
    # A user deleted between validation and insert: its row fails, the others are stored.
    jobs = [
        writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="kept", user_id=alice.pk)),
        writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="lost", user_id=alice.pk + 1000)),
        writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="kept too", user_id=alice.pk)),
    ]
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    assert outcomes[0].created and outcomes[2].created
    assert isinstance(outcomes[1], Exception)
    texts = await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("text", flat=True))
    )()
    assert texts == ["kept", "kept too"]
    assert len(pushed) == 2


async def test_the_writer_keeps_its_connection_between_batches_and_returns_it_once_idle(
    alice,
):
    w = writer.get_writer()
    loop = asyncio.get_running_loop()

    def writer_thread_connection():
        return connection.connection

    await writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="x", user_id=alice.pk))
    # Right after a batch the thread still holds it: the next batch needs no check-out.
    kept = await loop.run_in_executor(w.thread, writer_thread_connection)
    assert kept is not None
    await writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="y", user_id=alice.pk))
    assert await loop.run_in_executor(w.thread, writer_thread_connection) is kept
    # With the default IDLE_RELEASE (1 s), the connection goes back to the pool once idle.
    assert writer.IDLE_RELEASE == 1.0
    deadline = loop.time() + 5 * writer.IDLE_RELEASE  # a bound on a hang only
    while await loop.run_in_executor(w.thread, writer_thread_connection) is not None:
        assert loop.time() < deadline, "the idle writer kept its connection"
        await asyncio.sleep(0.1)


class Alone(Recording):
    """A job handler whose statements are complete alone: no transaction around its part."""

    atomic = False

    def run_batch(self, payloads):
        self.in_transaction = connection.in_atomic_block
        return super().run_batch(payloads)


async def test_a_kind_that_is_not_atomic_runs_outside_the_transaction_and_once():
    alone, together = Alone(), Recording(poison=3)
    results = await asyncio.gather(
        writer.submit(alone, 1),
        writer.submit(together, 2),
        writer.submit(together, 3),
        writer.submit(alone, 4),
        return_exceptions=True,
    )
    assert results[0] == 2 and results[3] == 8 and results[1] == 4
    assert isinstance(results[2], ValueError)
    # The shared batch failed and went job by job; the handler outside it ran once, first,
    # and with no transaction open.
    assert alone.batches == [[1, 4]] and alone.ones == []
    assert alone.in_transaction is False
    assert together.batches == [[2, 3]] and together.ones == [2, 3]


async def test_acks_are_not_atomic_and_still_mark_and_push(alice, pushed):
    assert bulk.ACK.atomic is False
    message = await database_sync_to_async(
        lambda: Message.objects.create(recipient=alice, text="to read")
    )()
    assert await writer.submit(bulk.ACK, (alice.pk, [message.pk])) == [message.pk]
    assert pushed == [(alice.pk, {"type": "read", "ids": [message.pk], "unread_count": 0})]


class Gathering(Recording):
    """A handler whose jobs wait up to `gather` seconds to share a batch."""

    def __init__(self, gather: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gather = gather


@pytest.fixture
def batches(monkeypatch) -> list[list]:
    """Each writer batch as it reaches the thread: its payloads in order."""
    seen: list[list] = []
    write = writer._write

    def recording(batch):
        seen.append([job.payload for job in batch])
        return write(batch)

    monkeypatch.setattr(writer, "_write", recording)
    return seen


async def test_jobs_that_gather_wait_for_each_other_and_share_one_batch(batches):
    handler = Gathering(0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = writer.get_writer().submit(handler, 1)
    await asyncio.sleep(0.05)  # apart in time: without gathering, two batches
    second = writer.get_writer().submit(handler, 2)
    assert await asyncio.gather(first, second) == [2, 4]
    # Held for the first one's time, then written together.
    assert loop.time() - started >= 0.2
    assert handler.batches == [[1, 2]] and batches == [[1, 2]]


async def test_a_gathering_job_goes_with_the_next_batch_and_does_not_wait_its_time(batches):
    gathering, plain = Gathering(30.0), Recording()
    loop = asyncio.get_running_loop()
    started = loop.time()
    held = writer.get_writer().submit(gathering, "a")
    await asyncio.sleep(0.05)
    assert not held.done()  # waiting for company
    assert await writer.get_writer().submit(plain, 3) == 6
    assert await held == "aa"
    # It rode with the plain job's batch, long before its 30 s.
    assert loop.time() - started < 5
    assert batches == [[3, "a"]]
    assert gathering.batches == [["a"]] and plain.batches == [[3]]


async def test_gathered_jobs_past_a_batchs_size_go_in_the_batch_after(batches):
    gathering, plain = Gathering(30.0), Recording()
    held = [writer.get_writer().submit(gathering, n) for n in range(writer.BATCH + 2)]
    assert await writer.get_writer().submit(plain, -1) == -2
    assert await asyncio.wait_for(asyncio.gather(*held), 5) == [2 * n for n in range(len(held))]
    # The plain job first, then as many as a batch holds; the rest right after.
    assert batches == [[-1, *range(writer.BATCH - 1)], list(range(writer.BATCH - 1, len(held)))]


async def test_acks_gather_for_the_setting_and_zero_writes_each_at_once(alice, pushed, settings):
    assert bulk.ACK.gather == settings.NOTIFICATIONS_ACK_GATHER == 0.05
    create = database_sync_to_async(lambda text: Message.objects.create(recipient=alice, text=text))
    first, second = await create("one"), await create("two")
    loop = asyncio.get_running_loop()
    started = loop.time()
    acks = [writer.get_writer().submit(bulk.ACK, (alice.pk, [first.pk]))]
    await asyncio.sleep(0.01)
    acks.append(writer.get_writer().submit(bulk.ACK, (alice.pk, [second.pk])))
    assert await asyncio.gather(*acks) == [[first.pk], [second.pk]]
    assert loop.time() - started >= 0.05
    # Two dismissals, one write: one `read` frame for both.
    assert pushed == [(alice.pk, {"type": "read", "ids": [first.pk, second.pk], "unread_count": 0})]

    settings.NOTIFICATIONS_ACK_GATHER = 0
    third = await create("three")
    assert bulk.ACK.gather == 0
    started = loop.time()
    assert await writer.get_writer().submit(bulk.ACK, (alice.pk, [third.pk])) == [third.pk]
    assert pushed[-1] == (alice.pk, {"type": "read", "ids": [third.pk], "unread_count": 0})


async def test_a_socket_ack_and_an_http_read_write_alike(alice, bob, pushed, monkeypatch):
    """One writer for mark-read: services.ack (the batching writer) and services.mark_read
    (the request's transaction) run the same UPDATE and send the same `read` frame."""
    sent_on_commit: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        live, "send_now", lambda user_id, frame: sent_on_commit.append((user_id, frame))
    )
    create = database_sync_to_async(
        lambda user, text: Message.objects.create(recipient=user, text=text)
    )
    acked, read, theirs = await create(alice, "a"), await create(alice, "b"), await create(bob, "c")
    assert await services.ack(user_id=alice.pk, ids=[acked.pk, theirs.pk]) == [acked.pk]
    mark_read = database_sync_to_async(services.mark_read)
    assert await mark_read(user=alice, ids=[read.pk, theirs.pk, acked.pk]) == [read.pk]
    assert pushed == [(alice.pk, {"type": "read", "ids": [acked.pk], "unread_count": 1})]
    assert sent_on_commit == [(alice.pk, {"type": "read", "ids": [read.pk], "unread_count": 0})]
    assert await database_sync_to_async(lambda: Message.objects.get(pk=theirs.pk).read_at)() is None


async def test_with_events_stored_an_ack_and_its_read_event_commit_together(
    alice, settings, monkeypatch
):
    # Acks skip the transaction for speed; with outbound webhooks on, an ack whose outbox
    # row fails must not stay applied (its `message.read` event would be lost for good).
    from outbound import outbox

    settings.OUTBOUND_WEBHOOK_URL = "https://receiver.example/hooks"
    settings.OUTBOUND_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    settings.OUTBOUND_WEBHOOK_IN_PROCESS = False
    assert bulk.ACK.atomic is True
    message = await database_sync_to_async(
        lambda: Message.objects.create(recipient=alice, text="to read")
    )()

    def outbox_down(rows):
        raise DatabaseError("the outbox insert failed")

    monkeypatch.setattr(outbox, "_store", outbox_down)
    with pytest.raises(DatabaseError):
        await writer.submit(bulk.ACK, (alice.pk, [message.pk]))
    read_at = await database_sync_to_async(
        lambda: Message.objects.values_list("read_at", flat=True).get(pk=message.pk)
    )()
    assert read_at is None


@contextlib.asynccontextmanager
async def counter_held(user):
    """PostgreSQL: another connection holds `user`'s counter row locked (as a long write of
    theirs outside the writer does) until the block ends."""
    from django.db import close_old_connections, transaction

    from notifications.models import UnreadCounter

    locked, release = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def hold() -> None:
        try:
            with transaction.atomic():
                UnreadCounter.objects.select_for_update().get(user=user)
                loop.call_soon_threadsafe(locked.set)
                asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=30)
        finally:
            close_old_connections()

    holder = loop.run_in_executor(None, hold)
    await locked.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def test_a_job_waiting_on_a_users_lock_fails_alone_and_others_go_through(
    alice, bob, settings, pushed
):
    # A long write of bob's outside the writer (mark-all over HTTP) holds his counter row;
    # a batch with one job of bob's must not keep alice's job waiting behind it (issue #19).
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's one write lock is bounded by slices")
    settings.NOTIFICATIONS_WRITER_LOCK_TIMEOUT = 0.2
    await database_sync_to_async(lambda: Message.objects.create(recipient=bob, text="b"))()
    async with counter_held(bob):
        jobs = [
            asyncio.ensure_future(writer.submit(bulk.NOTIFY, bulk.NotifySpec(text=t, user_id=u.pk)))
            for t, u in (("to bob", bob), ("to alice", alice))
        ]
        stored = await asyncio.wait_for(jobs[1], timeout=10)  # while bob's lock is held
        assert stored.user_id == alice.pk and stored.created
        with pytest.raises(DatabaseError):
            await jobs[0]
    to_bob = database_sync_to_async(lambda: Message.objects.filter(text="to bob").count())
    assert await to_bob() == 0


async def test_an_ack_waiting_on_a_users_lock_fails_alone_and_resets_the_session(
    alice, bob, settings, pushed
):
    # Acks run outside a transaction (atomic = False): the bound is on the writer's session,
    # and it must not follow the connection back to the pool.
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's one write lock is bounded by slices")
    settings.NOTIFICATIONS_WRITER_LOCK_TIMEOUT = 0.2
    create = database_sync_to_async(lambda u, t: Message.objects.create(recipient=u, text=t))
    bobs, alices = await create(bob, "b"), await create(alice, "a")
    async with counter_held(bob):
        jobs = [
            asyncio.ensure_future(writer.submit(bulk.ACK, (bob.pk, [bobs.pk]))),
            asyncio.ensure_future(writer.submit(bulk.ACK, (alice.pk, [alices.pk]))),
        ]
        assert await asyncio.wait_for(jobs[1], timeout=10) == [alices.pk]
        with pytest.raises(DatabaseError):
            await jobs[0]
    loop = asyncio.get_running_loop()
    # A batch that goes through leaves the bound on the writer's session...
    again = await create(alice, "again")
    assert await writer.submit(bulk.ACK, (alice.pk, [again.pk])) == [again.pk]
    w = writer.get_writer()

    def session_lock_timeout():
        raw = connection.connection
        before = raw.execute("SHOW lock_timeout").fetchone()[0]
        writer._release_connection()
        # ...and not on the same connection once it is back in the pool.
        return before, raw.execute("SHOW lock_timeout").fetchone()[0]

    assert await loop.run_in_executor(w.thread, session_lock_timeout) == ("200ms", "0")


def test_loops_in_many_threads_start_writers_at_once_after_closed_ones(db):
    # Tests and scripts run loops in threads; each new writer retires the writers of
    # closed loops. Two retiring the same one at once shut its thread down twice
    # ("cannot schedule new futures after shutdown"): test_batch's two-process test
    # failed so, now and then.
    errors: list[BaseException] = []

    async def start() -> None:
        writer.get_writer()

    for _ in range(30):
        asyncio.run(start())  # a writer whose loop is now closed
        barrier = threading.Barrier(6)

        def run(barrier: threading.Barrier) -> None:
            barrier.wait()
            try:
                asyncio.run(start())
            except BaseException as exc:
                errors.append(exc)

        run_together([functools.partial(run, barrier)] * 6, timeout=10)
    assert errors == []
