"""A new socket while the channel layer is unreachable is accepted and closed with 4503."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from accounts.services import create_token
from consumers.notifications import NotificationConsumer
from project.asgi import application
from tests.consumers.sockets import ORIGIN, TIMEOUT
from tests.e2e.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dead_redis(settings):
    """The Redis pub/sub layer pointed at a port where nothing listens: every call fails."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_a_socket_opened_while_the_layer_is_down_is_closed_with_4503(dead_redis, alice):
    _, raw = await database_sync_to_async(create_token)(user=alice)
    socket = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[ORIGIN, (b"authorization", f"Bearer {raw}".encode())],
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected, "the handshake failed instead of being accepted and closed"
    output = await socket.receive_output(timeout=TIMEOUT)
    assert output == {"type": "websocket.close", "code": 4503}
    assert NotificationConsumer.open_per_user[alice.pk] == 0
    await socket.wait(timeout=TIMEOUT)
