"""A handshake cancelled at any point (daphne cancels one the client gave up on, or one
past its handshake timeout) leaves no Redis subscription behind (issue 19.3)."""

import asyncio
import os

import pytest
import redis
from channels.testing import WebsocketCommunicator

from project.asgi import application
from tests.consumers.sockets import ORIGIN, TIMEOUT, flush_layer, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture
def redis_layer(settings, redis_url):
    from channels.layers import channel_layers

    prefix = f"cancel{os.getpid()}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "live.layers.PipelinedPubSubLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }
    channel_layers.backends.clear()
    yield redis.Redis.from_url(redis_url), prefix
    channel_layers.backends.clear()


async def test_a_cancelled_handshake_leaves_no_subscription(redis_layer, alice):
    server, prefix = redis_layer
    cookie = (b"cookie", await session_cookie(alice))
    for delay in range(40):
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, cookie])
        await socket.send_input({"type": "websocket.connect"})
        await asyncio.sleep(delay / 1000)  # cut at every stage: session, channel, group, sync
        socket.future.cancel()
        await asyncio.wait([socket.future], timeout=TIMEOUT)
    await asyncio.sleep(0.5)
    assert server.pubsub_channels(f"{prefix}*") == []
