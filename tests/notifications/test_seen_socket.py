"""The socket's `seen` frame: validated, own messages only, no reply."""

import json

import pytest
from channels.db import database_sync_to_async

from notifications import services
from notifications.models import Message
from tests.consumers.sockets import flush_layer, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


def seen_at(message_id: int):
    return Message.objects.get(pk=message_id).seen_at


async def test_seen_marks_own_messages_and_answers_nothing(alice, bob):
    mine = await database_sync_to_async(services.notify)(alice, "mine")
    theirs = await database_sync_to_async(services.notify)(bob, "theirs")
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    await socket.send_to(text_data=json.dumps({"type": "seen", "ids": [mine.pk, theirs.pk]}))
    await socket.send_to(text_data='{"type":"ping"}')
    assert await receive(socket) == {"type": "pong"}  # no reply to `seen` came first
    assert await database_sync_to_async(seen_at)(mine.pk) is not None
    assert await database_sync_to_async(seen_at)(theirs.pk) is None
    assert (await database_sync_to_async(Message.objects.get)(pk=mine.pk)).read_at is None
    await socket.disconnect()


@pytest.mark.parametrize("ids", [None, [], "1", [True], [1.5], list(range(501))])
async def test_bad_seen_ids_get_an_error_frame(alice, ids):
    socket = await open_socket(alice)
    await receive(socket)
    frame = {"type": "seen"} if ids is None else {"type": "seen", "ids": ids}
    await socket.send_to(text_data=json.dumps(frame))
    answer = await receive(socket)
    assert (answer["type"], answer["code"]) == ("error", "invalid_ids")
    await socket.send_to(text_data='{"type":"ping"}')
    assert await receive(socket) == {"type": "pong"}  # still open
    await socket.disconnect()
