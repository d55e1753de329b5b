"""Sockets through the real ASGI stack (origin check, auth, routing), for tests."""

import json
from collections.abc import AsyncIterator

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from project.asgi import application

ORIGIN = (b"origin", b"http://localhost:8000")
TIMEOUT = 3


async def session_cookie(user) -> bytes:
    client = Client()
    # database_sync_to_async: the thread's connection is closed after the login, so no
    # connection outlives the test (PostgreSQL's test database could not be dropped).
    await database_sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def open_socket(
    user=None, *, headers=None, path: str = "/ws/notifications/"
) -> WebsocketCommunicator:
    all_headers = [ORIGIN, *(headers or [])]
    if user is not None:
        all_headers.append((b"cookie", await session_cookie(user)))
    socket = WebsocketCommunicator(application, path, headers=all_headers)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def receive(socket: WebsocketCommunicator) -> dict:
    return json.loads(await socket.receive_from(timeout=TIMEOUT))


async def assert_quiet(socket: WebsocketCommunicator) -> None:
    """Nothing is queued for this socket: a ping's pong is the next frame."""
    await socket.send_to(text_data='{"type":"ping"}')
    assert await receive(socket) == {"type": "pong"}


async def flush_layer() -> AsyncIterator[None]:
    """For an autouse fixture: close the layer's Redis connections with the test's loop."""
    yield
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
