"""The socket's hot path: relays without a thread hop, acks through the batching writer."""

import asyncio
import json

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

import live
from notifications import services
from notifications.models import Message
from tests.consumers.sockets import assert_quiet, flush_layer, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)

notify = database_sync_to_async(services.notify)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture
def hops(monkeypatch) -> list[str]:
    """Every sync_to_async call (a thread hop), by the function it runs."""
    calls: list[str] = []
    real = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        calls.append(getattr(self.func, "__name__", repr(self.func)))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    return calls


async def test_a_relayed_frame_makes_no_thread_hop(layer, alice, hops):
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    hops.clear()
    frame = {"type": "notification", "message": {"id": 1}, "unread_count": 1}
    await get_channel_layer().group_send(
        live.user_group(alice.pk), {"type": live.RELAY, "text": live.encode(frame)}
    )
    assert await receive(socket) == frame
    await socket.send_to(text_data='{"type":"ping"}')
    assert await receive(socket) == {"type": "pong"}
    # Stock channels would have hopped to close_old_connections before each handler.
    assert hops == []
    await socket.disconnect()


async def test_a_handshake_and_a_close_make_no_hop_to_asgirefs_thread(
    layer, alice, hops, monkeypatch
):
    """The session and the sync reads run on the socket readers (consumers/readers.py),
    which take the reads of a turn of the loop together; a close hops nowhere (stock
    channels closes old connections)."""
    import threading

    from consumers import notifications as consumer_module

    read_on: list[str] = []
    real = consumer_module.selectors.sync_frames

    def sync_frames(user_ids):
        read_on.append(threading.current_thread().name)
        return real(user_ids)

    monkeypatch.setattr(consumer_module.selectors, "sync_frames", sync_frames)
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    assert [hop for hop in hops if hop != "force_login"] == []  # the test's login
    assert len(read_on) == 1 and read_on[0].startswith("socket-reader-")
    await socket.disconnect()
    assert [hop for hop in hops if hop != "force_login"] == []


async def test_acks_from_many_sockets_commit_together_and_reach_every_tab(layer, alice, bob):
    messages = [await notify(alice, f"a{i}") for i in range(3)] + [await notify(bob, "b")]
    alice_tabs = [await open_socket(alice) for _ in range(2)]
    bob_tab = await open_socket(bob)
    for tab in [*alice_tabs, bob_tab]:
        assert (await receive(tab))["type"] == "sync"
    # Sent at once: the writer takes them as one batch (or a few), in one transaction each.
    await asyncio.gather(
        alice_tabs[0].send_to(text_data=f'{{"type":"ack","ids":[{messages[0].pk}]}}'),
        alice_tabs[1].send_to(text_data=f'{{"type":"ack","ids":[{messages[1].pk}]}}'),
        # Bob acking Alice's message changes nothing: the filter is the ownership check.
        bob_tab.send_to(text_data=f'{{"type":"ack","ids":[{messages[3].pk},{messages[2].pk}]}}'),
    )
    for tab in alice_tabs:
        # One `read` frame per user per batch: both acks in one frame when they shared one.
        read: set[int] = set()
        while len(read) < 2:
            frame = await receive(tab)
            assert frame["type"] == "read"
            read |= set(frame["ids"])
        assert read == {messages[0].pk, messages[1].pk}
        assert frame["unread_count"] == 1
    assert await receive(bob_tab) == {"type": "read", "ids": [messages[3].pk], "unread_count": 0}
    unread = await database_sync_to_async(
        lambda: sorted(Message.objects.unread().values_list("pk", flat=True))
    )()
    assert unread == [messages[2].pk]
    for tab in [*alice_tabs, bob_tab]:
        await assert_quiet(tab)
        await tab.disconnect()


async def test_an_ack_waiting_to_be_written_holds_up_none_of_the_sockets_frames(
    layer, alice, settings
):
    """An ack waits in the batching writer (NOTIFICATIONS_ACK_GATHER; long here, to
    see it): meanwhile the socket still relays pushes and answers pings."""
    settings.NOTIFICATIONS_ACK_GATHER = 3.0
    first = await notify(alice, "first")
    tab = await open_socket(alice)
    assert (await receive(tab))["type"] == "sync"
    await tab.send_to(text_data=f'{{"type":"ack","ids":[{first.pk}]}}')
    await tab.send_to(text_data='{"type":"ping"}')
    assert await receive(tab) == {"type": "pong"}
    second = await notify(alice, "second")
    pushed = await receive(tab)
    assert pushed["type"] == "notification" and pushed["message"]["id"] == second.pk
    # Then the ack, written once its wait is over.
    read = json.loads(await tab.receive_from(timeout=10))
    assert read == {"type": "read", "ids": [first.pk], "unread_count": 1}
    await tab.disconnect()


async def test_acks_a_socket_sends_in_quick_succession_share_one_write(layer, alice):
    messages = [await notify(alice, f"m{i}") for i in range(3)]
    tab = await open_socket(alice)
    assert (await receive(tab))["type"] == "sync"
    for message in messages:  # a user dismissing three toasts quickly
        await tab.send_to(text_data=f'{{"type":"ack","ids":[{message.pk}]}}')
    assert await receive(tab) == {
        "type": "read",
        "ids": [message.pk for message in messages],
        "unread_count": 0,
    }
    await assert_quiet(tab)
    await tab.disconnect()


async def test_an_ack_the_database_refuses_gets_an_unavailable_frame(layer, alice, monkeypatch):
    from django.db import OperationalError

    async def refused(**kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(services, "ack", refused)
    message = await notify(alice, "kept unread")
    tab = await open_socket(alice)
    assert (await receive(tab))["type"] == "sync"
    await tab.send_to(text_data=f'{{"type":"ack","ids":[{message.pk}]}}')
    assert await receive(tab) == {
        "type": "error",
        "code": "unavailable",
        "detail": "not stored; send it again later",
    }
    await tab.send_to(text_data='{"type":"ping"}')  # the socket goes on
    assert await receive(tab) == {"type": "pong"}
    await tab.disconnect()
