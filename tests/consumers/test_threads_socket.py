"""Threads on the socket (docs/protocol.md, *Threads, mute and actions*): `group` in the
`msg`, `muted` and `interacted` frames to every socket of the user and no other, a muted
thread's messages quiet live and in the sync."""

import pytest
from channels.db import database_sync_to_async

from notifications import services
from tests.consumers.sockets import assert_quiet, flush_layer, open_socket, receive
from threads import actions
from threads import services as threads

pytestmark = pytest.mark.django_db(transaction=True)

notify = database_sync_to_async(services.notify)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


async def test_mute_and_a_click_reach_every_socket_of_the_user(layer, alice, bob):
    tab1, tab2, other = await open_socket(alice), await open_socket(alice), await open_socket(bob)
    for socket in (tab1, tab2, other):
        assert (await receive(socket))["type"] == "sync"
    await database_sync_to_async(threads.mute)(user=alice, key="upload:42")
    for tab in (tab1, tab2):
        assert await receive(tab) == {"type": "muted", "group": "upload:42", "muted": True}
    message = await notify(
        alice, "Upload 42 ready", group="upload:42", actions=[{"label": "Keep", "post": "keep"}]
    )
    for tab in (tab1, tab2):
        frame = await receive(tab)
        assert frame["toast"] is False and frame["unread_count"] == 1
        assert frame["message"]["group"] == "upload:42"
        assert frame["message"]["actions"] == [{"label": "Keep", "post": "keep"}]
    await database_sync_to_async(actions.act)(user=alice, message_id=message.pk, index=0)
    for tab in (tab1, tab2):
        assert await receive(tab) == {"type": "read", "ids": [message.pk], "unread_count": 0}
        assert await receive(tab) == {
            "type": "interacted",
            "id": message.pk,
            "action": 0,
            "unread_count": 0,
        }
    await assert_quiet(other)  # bob hears nothing of alice's threads
    for socket in (tab1, tab2, other):
        await socket.disconnect()


async def test_a_reconnecting_socket_gets_a_muted_thread_quiet_in_its_sync(layer, alice):
    await database_sync_to_async(threads.mute)(user=alice, key="g")
    quiet = await notify(alice, "muted", group="g")
    loud = await notify(alice, "not muted", group="h")
    socket = await open_socket(alice)
    sync = await receive(socket)
    assert [(m["id"], m.get("toast", True)) for m in sync["unread"]] == [
        (quiet.pk, False),
        (loud.pk, True),
    ]
    assert sync["unread_count"] == 2  # muted messages still count
    await socket.disconnect()
