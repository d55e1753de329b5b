"""The handshake's reads on the socket readers: connections kept between handshakes,
off asgiref's shared thread, a dead held connection replaced (consumers/readers.py)."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connections
from django.db.backends.signals import connection_created

from accounts.services import create_token
from consumers import auth
from consumers import readers as readers_module
from consumers.readers import readers
from tests.consumers.sockets import flush_layer, open_socket, receive, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture
def opened():
    """The threads that open (or check out from the pool) a database connection."""
    threads: list[str] = []

    def record(sender, connection, **kwargs):
        threads.append(threading.current_thread().name)

    connection_created.connect(record)
    yield threads
    connection_created.disconnect(record)


@pytest.fixture
def authenticated_on(monkeypatch):
    """The threads the handshakes' session reads ran on."""
    threads: list[str] = []
    real = auth.session_users

    def session_users(session_keys):
        threads.extend([threading.current_thread().name] * len(session_keys))
        return real(session_keys)

    monkeypatch.setattr(auth, "session_users", session_users)
    return threads


async def test_handshakes_in_a_row_authenticate_on_a_reader_without_a_check_out(
    alice, bob, opened, authenticated_on
):
    cookies = [await session_cookie(user) for user in (alice, bob)]
    first = await open_socket(headers=[(b"cookie", cookies[0])])
    assert (await receive(first))["type"] == "sync"
    opened.clear()  # the first handshake's own check-out
    for cookie in (*cookies, cookies[0]):
        socket = await open_socket(headers=[(b"cookie", cookie)])
        assert (await receive(socket))["type"] == "sync"
        await socket.disconnect()
    # Before: on asgiref's shared thread, which gave its connection back now and then
    # (SQLite: after every call); a check-out is the pool's health-check round trip.
    assert len(authenticated_on) == 4
    assert all(name.startswith("socket-reader-") for name in authenticated_on)
    assert [name for name in opened if name.startswith("socket-reader-")] == []
    await first.disconnect()


async def test_a_bearer_handshake_looks_its_token_up_on_a_reader(alice, monkeypatch):
    threads: list[str] = []
    real = auth.token_for_bearer

    def token_for_bearer(raw, *, address):
        threads.append(threading.current_thread().name)
        return real(raw, address=address)

    monkeypatch.setattr(auth, "token_for_bearer", token_for_bearer)
    _, raw = await database_sync_to_async(create_token)(user=alice)
    socket = await open_socket(headers=[(b"authorization", f"Bearer {raw}".encode())])
    assert (await receive(socket))["type"] == "sync"
    assert len(threads) == 1 and threads[0].startswith("socket-reader-")
    await socket.disconnect()


async def on_every_reader(func) -> list:
    """func() on each reader's own thread, in turn with its other work."""
    loop = asyncio.get_running_loop()
    futures = []
    for reader in readers._started():
        futures.append(loop.create_future())
        reader.queued += 1
        reader.jobs.put((loop, [(lambda: [func()], [futures[-1]])]))
    return await asyncio.gather(*futures)


async def test_a_held_connection_that_died_is_replaced_and_the_handshake_succeeds(alice, bob):
    for user in (alice, bob):  # connections held by the readers
        socket = await open_socket(user)
        assert (await receive(socket))["type"] == "sync"
        await socket.disconnect()

    def kill_held_connection() -> bool:
        # Behind Django's back, as a database restart would.
        held = connections["default"].connection
        if held is not None:
            held.close()
        return held is not None

    assert any(await on_every_reader(kill_held_connection))
    for user in (alice, bob, alice, bob):
        again = await open_socket(user)
        assert (await receive(again))["type"] == "sync"
        await again.disconnect()


async def test_a_reader_gives_its_connection_back_when_idle(alice, monkeypatch):
    monkeypatch.setattr(readers_module, "IDLE_RELEASE", 0.05)

    def query() -> bool:
        connections["default"].ensure_connection()
        return connections["default"].connection is not None

    assert all(await on_every_reader(query))  # every reader holds a connection now
    for _ in range(500):
        if not any(r.holding for r in readers._started()):
            break
        await asyncio.sleep(0.02)
    assert not any(r.holding for r in readers._started())
    assert await on_every_reader(lambda: connections["default"].connection is None) == [True] * len(
        readers._started()
    )


async def test_the_calls_of_one_turn_of_the_loop_wake_each_reader_once(monkeypatch):
    """A reconnect storm starts many handshakes in one turn of the loop: their reads go
    to the readers as one job per reader, not one wake-up of a thread per handshake."""
    jobs: list[int] = []
    real = readers_module._Reader.run_job

    def run_job(self, loop, calls):
        jobs.append(len(calls))
        return real(self, loop, calls)

    monkeypatch.setattr(readers_module._Reader, "run_job", run_job)
    names = await asyncio.gather(
        *(readers.run(lambda i=i: (i, threading.current_thread().name)) for i in range(10))
    )
    assert [i for i, _ in names] == list(range(10))  # each call its own answer
    assert all(name.startswith("socket-reader-") for _, name in names)
    assert sum(jobs) == 10 and len(jobs) <= readers_module.READERS


async def test_a_failing_call_fails_alone_among_its_turn():
    def fail():
        raise ValueError("no")

    results = await asyncio.gather(
        readers.run(lambda: 1), readers.run(fail), readers.run(lambda: 3), return_exceptions=True
    )
    assert results[0] == 1 and results[2] == 3
    assert isinstance(results[1], ValueError)
