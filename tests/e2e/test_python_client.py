"""clients/python against a live server (harness/stack.py's Stack): notify, list, ack,
and a socket subscription that resyncs after the server dies and comes back.

The client is imported from its source, installed nowhere: its dependencies (httpx,
websockets) are in the test extras.
"""

import asyncio
import signal
import sys
import threading
import time

import pytest

from tests.conftest import PASSWORD, REPO

sys.path.insert(0, str(REPO / "clients" / "python" / "src"))

from notifications_client import (
    AsyncClient,
    AuthenticationError,
    Client,
    Notification,
    NotificationsError,
    StateChange,
    Sync,
)

SERVICE_TOKEN = "service-" + "c" * 32


@pytest.fixture
def live(make_stack):
    stack = make_stack(redis_url="", extra_env={"NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN})
    for name in ("alice", "bob"):
        stack.create_user(name, PASSWORD)
    token = stack.manage("create_token", "alice")
    port = stack.start_server()
    return stack, port, token


def test_the_sync_client_notifies_lists_and_acks(live):
    _, port, token = live
    base = f"http://127.0.0.1:{port}"
    with Client(base, token=token, service_token=SERVICE_TOKEN) as client:
        first = client.notify("alice", "one", level="success", link="/a/", source_id="s-1")
        assert client.notify("alice", "one", source_id="s-1") == first  # a retry: same id
        fan = client.notify_many("everyone hears", users=["alice", "bob"])
        assert (fan.recipients, fan.created) == (2, 2)
        page = client.list(limit=1)
        assert [m.text for m in page.results] == ["everyone hears"]
        assert page.unread_count == 2 and page.next_before is not None
        assert [m.text for m in client.iter_messages()] == ["everyone hears", "one"]
        assert client.get(first).level == "success"
        changed = client.ack([first, 10**9])
        assert (changed.ids, changed.unread_count) == ([first], 1)
        assert client.unread_count() == 1
        assert [m.text for m in client.iter_messages(unread=True)] == ["everyone hears"]
        with pytest.raises(NotificationsError) as refused:
            client.notify("nobody", "x")
        assert (refused.value.status, refused.value.code) == (404, "unknown_user")
        with pytest.raises(ValueError):  # refused before it is sent
            client.notify_many("x", users=["alice"], group="staff")
        # Threads: alice and bob were notified in upload:7, so both follow it.
        client.notify("alice", "upload 7 queued", thread="upload:7")
        client.notify("bob", "upload 7 queued", thread="upload:7")
        fan = client.notify_followers("upload:7", "upload 7 ready", exclude="bob")
        assert (fan.recipients, fan.created) == (1, 1)
        newest = client.list(limit=1).results[0]
        assert (newest.text, newest.group) == ("upload 7 ready", "upload:7")
    with Client(base, token="wrong") as stranger, pytest.raises(AuthenticationError):
        stranger.list()


async def test_the_async_client_does_the_same(live):
    _, port, token = live
    async with AsyncClient(
        f"http://127.0.0.1:{port}", token=token, service_token=SERVICE_TOKEN
    ) as client:
        ids = [await client.notify("alice", f"m{n}") for n in range(3)]
        assert [m.id async for m in client.iter_messages()] == ids[::-1]
        assert (await client.ack(ids[:2])).unread_count == 1
        assert (await client.archive([ids[2]])).unread_count == 0
        assert [m.id for m in (await client.list(archived=True)).results] == [ids[2]]
        assert (await client.delete(ids)).ids == ids


async def test_an_async_subscription_gets_pushes_acks_and_an_erase(live):
    _, port, token = live
    client = AsyncClient(f"http://127.0.0.1:{port}", token=token, service_token=SERVICE_TOKEN)
    events = []
    async with client, client.subscribe() as sub:
        async for event in sub:
            events.append(event)
            if isinstance(event, Sync) and len(events) == 1:
                await client.notify("alice", "live")
            elif isinstance(event, Notification):
                await sub.ack([event.message.id])
            elif isinstance(event, StateChange) and event.type == "read":
                exported = await client.export()
                assert [m["text"] for m in exported["messages"]] == ["live"]
                assert await client.erase() == 1
            elif isinstance(event, Sync):
                break  # the erase's closing sync
    assert [(type(e), getattr(e, "type", "")) for e in events] == [
        (Sync, ""),
        (Notification, ""),
        (StateChange, "read"),
        (StateChange, "deleted"),
        (Sync, ""),
    ]
    assert events[2].unread_count == 0 and events[3].ids == [events[1].message.id]
    assert events[4].unread == [] and sub.unread == {} and sub.unread_count == 0


def test_a_subscription_resyncs_after_the_server_dies_and_comes_back(live):
    stack, port, token = live
    base = f"http://127.0.0.1:{port}"
    seen: list = []
    client = Client(base, token=token, service_token=SERVICE_TOKEN)
    sub = client.subscribe(backoff=0.2, backoff_max=1.0)

    def listen() -> None:
        seen.extend(sub)

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        wait_until(lambda: any(isinstance(e, Sync) for e in seen))
        before = client.notify("alice", "before")
        wait_until(lambda: before in sub.unread)
        stack.kill_server(port, signal.SIGKILL)
        # Stored while no server runs: no push can carry it; only the resync can.
        stack.manage("notify", "alice", "while away")
        stack.start_server(port)
        wait_until(lambda: sub.connects == 2 and len(sub.unread) == 2, timeout=30)
        assert sorted(m.text for m in sub.unread.values()) == ["before", "while away"]
        assert sub.unread_count == 2
        assert [type(e) for e in seen].count(Sync) == 2
    finally:
        sub.close()
        client.close()
        thread.join(10)
    assert not thread.is_alive()


def wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def test_asyncio_is_importable_without_a_loop():
    # The client must import and build without a running loop (scripts, sync code).
    assert asyncio.get_event_loop_policy() is not None
    assert Client("http://x").socket_url() == "ws://x/ws/notifications/"
    assert Client("https://x/").socket_url() == "wss://x/ws/notifications/"
