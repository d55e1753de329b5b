"""archive / unarchive / delete frames: every tab of the user applies the answer live."""

import json

import pytest
from channels.db import database_sync_to_async

from notifications import services
from notifications.models import Message
from tests.consumers.sockets import assert_quiet, flush_layer, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)

notify = database_sync_to_async(services.notify)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


async def test_archive_unarchive_delete_reach_every_tab(layer, alice, bob):
    first, second = await notify(alice, "first"), await notify(alice, "second")
    tab1, tab2, other = await open_socket(alice), await open_socket(alice), await open_socket(bob)
    for socket in (tab1, tab2, other):
        await receive(socket)
    await tab1.send_to(text_data=json.dumps({"type": "archive", "ids": [first.pk]}))
    for tab in (tab1, tab2):
        assert await receive(tab) == {"type": "archived", "ids": [first.pk], "unread_count": 1}
    await tab2.send_to(text_data=json.dumps({"type": "unarchive", "ids": [first.pk]}))
    for tab in (tab1, tab2):
        frame = await receive(tab)
        assert (frame["type"], frame["message"]["id"], frame["toast"]) == (
            "notification",
            first.pk,
            False,
        )
        assert await receive(tab) == {"type": "unarchived", "ids": [first.pk], "unread_count": 2}
    await tab1.send_to(text_data=json.dumps({"type": "delete", "ids": [first.pk, second.pk]}))
    for tab in (tab1, tab2):
        assert await receive(tab) == {
            "type": "deleted",
            "ids": [first.pk, second.pk],
            "unread_count": 0,
        }
    await assert_quiet(other)
    assert await database_sync_to_async(Message.objects.count)() == 0
    for socket in (tab1, tab2, other):
        await socket.disconnect()


async def test_foreign_ids_are_silent_and_bad_ids_an_error(alice, bob):
    theirs = await notify(bob, "bob's")
    socket = await open_socket(alice)
    await receive(socket)
    for kind in ("archive", "unarchive", "delete"):
        await socket.send_to(text_data=json.dumps({"type": kind, "ids": [theirs.pk, 987654]}))
        await assert_quiet(socket)
        await socket.send_to(text_data=json.dumps({"type": kind, "ids": "1"}))
        frame = await receive(socket)
        assert (frame["type"], frame["code"]) == ("error", "invalid_ids")
    assert await database_sync_to_async(Message.objects.filter(pk=theirs.pk).exists)()
    await socket.disconnect()
