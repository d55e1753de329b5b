"""The handshake's reads on the event loop (consumers/loopdb.py, PostgreSQL): the same
plans as on a thread, connections kept between handshakes, a dead one replaced, a
cancelled read's connection dropped, idle ones closed."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.utils import timezone

from accounts import sessions
from consumers import auth
from consumers import loopdb as loopdb_module
from consumers.loopdb import loopdb
from notifications import selectors, services, threads
from notifications.models import NotificationPreference
from sqlreads import Read
from tests.consumers.sockets import flush_layer, open_socket, receive, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the loop's reads use psycopg's async connection: PostgreSQL only")


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture
def connects(monkeypatch) -> list[int]:
    """Every async connection the loop's reads open."""
    opened: list[int] = []
    real = loopdb_module.LoopDatabase._connect

    async def counting(self):
        opened.append(1)
        return await real(self)

    monkeypatch.setattr(loopdb_module.LoopDatabase, "_connect", counting)
    return opened


@pytest.fixture
def no_thread_reads(monkeypatch):
    """A session read on a thread (a socket reader) fails the test."""

    def session_user(session_key):
        raise AssertionError("the session was read on a thread")

    monkeypatch.setattr(auth, "session_user", session_user)


async def test_handshakes_read_on_the_loop_and_keep_their_connections(
    alice, bob, connects, no_thread_reads
):
    cookies = [await session_cookie(user) for user in (alice, bob)]
    for cookie in (*cookies, *cookies):
        socket = await open_socket(headers=[(b"cookie", cookie)])
        assert (await receive(socket))["type"] == "sync"
        await socket.disconnect()
    # Four handshakes, three reads each, one at a time: one connection, kept.
    assert connects == [1]


async def test_a_cancelled_read_drops_its_connection(alice, connects):
    slow = Read("SELECT pg_sleep(5)", [], list)
    task = asyncio.ensure_future(loopdb.fetch([slow]))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert loopdb.idle == []  # its state is unknown: never handed out again
    assert await loopdb.fetch([Read("SELECT 1", [], list)]) == [[(1,)]]
    assert connects == [1, 1]


async def test_a_held_connection_that_died_is_replaced(alice, bob, connects):
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    await socket.disconnect()
    (held, _) = loopdb.idle[0]
    # Behind psycopg's back, as a database restart would: the server ends the session.
    await database_sync_to_async(_terminate)(held.info.backend_pid)
    again = await open_socket(bob)
    assert (await receive(again))["type"] == "sync"
    await again.disconnect()
    assert len(connects) == 2


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close()


async def test_idle_connections_are_closed(alice, monkeypatch):
    monkeypatch.setattr(loopdb_module, "IDLE_CLOSE", 0.05)
    assert await loopdb.fetch([Read("SELECT 1", [], list)]) == [[(1,)]]
    (held, _) = loopdb.idle[0]
    for _ in range(100):
        if not loopdb.idle:
            break
        await asyncio.sleep(0.02)
    assert loopdb.idle == []
    assert held.closed


async def test_a_statement_that_fails_is_a_database_error_and_drops_the_connection(alice):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        await loopdb.fetch([Read("SELECT * FROM no_such_table", [], list)])
    assert loopdb.idle == []
    assert await loopdb.fetch([Read("SELECT 1", [], list)]) == [[(1,)]]


async def test_the_sync_frame_plan_gives_the_same_frame_on_the_loop_as_on_a_thread(alice, settings):
    settings.NOTIFICATIONS_SYNC_LIMIT = 4

    @database_sync_to_async
    def seed() -> None:
        NotificationPreference.objects.create(user=alice, toast_info=False)
        for i in range(5):
            services.notify(alice, f"n{i}", level="success", group="thread" if i % 2 else "")
        services.notify(alice, "info is quiet", level="info")
        threads.mute(user=alice, key="thread")

    await seed()
    on_thread = await database_sync_to_async(selectors.sync_frame)(user_id=alice.pk)
    on_loop = await loopdb.run(selectors.sync_frame_plan(user_id=alice.pk))
    assert on_loop == on_thread
    assert on_loop["unread_count"] == 6 and len(on_loop["unread"]) == 4  # the counter read
    quiet = [m["text"] for m in on_loop["unread"] if m.get("toast") is False]
    assert quiet == ["n3", "info is quiet"]  # muted thread; a level turned off


async def test_the_session_plan_on_the_loop_keeps_djangos_rules(alice):
    cookie = (await session_cookie(alice)).decode().split("=", 1)[1]
    store, user = await loopdb.run(sessions.session_user_plan(cookie))
    assert user.pk == alice.pk and store.session_key == cookie

    await database_sync_to_async(Session.objects.filter(pk=cookie).update)(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store, user = await loopdb.run(sessions.session_user_plan(cookie))
    assert not user.is_authenticated and store.session_key is None


async def test_a_password_changed_since_refuses_the_socket_and_ends_the_session(alice):
    cookie = await session_cookie(alice)

    @database_sync_to_async
    def change_password() -> None:
        user = get_user_model().objects.get(pk=alice.pk)
        user.set_password("a-new-password-long-enough")
        user.save()

    await change_password()
    with pytest.raises(sessions.Stale):
        await loopdb.run(sessions.session_user_plan(cookie.decode().split("=", 1)[1]))
    socket = await open_socket(headers=[(b"cookie", cookie)])
    frame = await socket.receive_output(timeout=3)
    while frame["type"] != "websocket.close":
        frame = await socket.receive_output(timeout=3)
    assert frame["code"] == 4401
    key = cookie.decode().split("=", 1)[1]
    assert not await database_sync_to_async(Session.objects.filter(pk=key).exists)()


async def test_handshakes_make_no_database_wrapper_of_their_own(alice, bob, monkeypatch):
    """`connections[alias]` is one wrapper per task on an event loop: a read built through
    it would make and keep one for every socket (sqlreads.dialect is shared instead)."""
    warm = await open_socket(alice)  # the loop's connection, made once
    assert (await receive(warm))["type"] == "sync"
    made: list[str] = []
    real = connections.create_connection
    monkeypatch.setattr(connections, "create_connection", lambda a: made.append(a) or real(a))
    for user in (alice, bob, alice):
        socket = await open_socket(user)
        assert (await receive(socket))["type"] == "sync"
        await socket.disconnect()
    await warm.disconnect()
    assert made == []
