"""A socket the server closes leaves at once; resync requests are bounded (issue #19)."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from accounts.services import create_token
from consumers import metrics
from notifications import services
from tests.consumers.sockets import assert_quiet, flush_layer, receive
from tests.consumers.test_lifecycle import closed_with, socket_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


def open_sockets() -> float:
    return metrics.OPEN_SOCKETS._value.get()


async def test_a_socket_closed_for_flooding_leaves_its_group_and_the_gauge_at_once(
    layer, alice, settings
):
    settings.NOTIFICATIONS_RATE = 0.001
    settings.NOTIFICATIONS_RATE_BURST = 1
    _, raw = await database_sync_to_async(create_token)(user=alice)
    before = open_sockets()
    flooder = await socket_for(token=raw)
    assert (await receive(flooder))["type"] == "sync"
    assert open_sockets() == before + 1
    for _ in range(3):
        await flooder.send_to(text_data='{"type":"ping"}')
    assert await closed_with(flooder) == 4429
    # The client's disconnect has not come (a flood queued ahead of it in daphne): the
    # gauge and the group (a Redis subscription) are given back anyway.
    assert open_sockets() == before
    await database_sync_to_async(services.notify)(alice, "after the close")
    assert await flooder.receive_nothing(timeout=0.5)
    await flooder.disconnect()
    assert open_sockets() == before  # counted once


async def test_sync_requests_are_collapsed_to_one_per_interval(layer, alice, settings):
    settings.NOTIFICATIONS_SYNC_INTERVAL = 0.5
    _, raw = await database_sync_to_async(create_token)(user=alice)
    socket = await socket_for(token=raw)
    assert (await receive(socket))["type"] == "sync"
    for _ in range(20):
        await socket.send_to(text_data='{"type":"sync"}')
    assert (await receive(socket))["type"] == "sync"  # the first request, at once
    assert (await receive(socket))["type"] == "sync"  # one for the other 19, later
    await asyncio.sleep(0.6)
    assert await socket.receive_nothing(timeout=0.3)
    await assert_quiet(socket)
    await socket.disconnect()
