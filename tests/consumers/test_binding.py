"""A page's socket is bound to the page's user (consumers/binding.py, issue #19 item 5)."""

import pytest

from consumers.notifications import NotificationConsumer
from tests.consumers.sockets import TIMEOUT, flush_layer, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


async def test_a_page_of_alice_reconnecting_with_bobs_cookie_is_closed_with_4409(layer, alice, bob):
    # Alice's tab reconnects after Bob logged in in another tab: the cookie is Bob's.
    socket = await open_socket(bob, path=f"/ws/notifications/?user={alice.pk}")
    frame = await receive(socket)
    assert frame["type"] == "error" and frame["code"] == "wrong_user"
    assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4409}
    assert bob.pk not in NotificationConsumer.open_per_user  # its place is given back


async def test_the_pages_own_user_gets_sync(layer, alice):
    socket = await open_socket(alice, path=f"/ws/notifications/?user={alice.pk}")
    assert (await receive(socket))["type"] == "sync"
    await socket.disconnect()


async def test_a_client_that_names_no_user_is_not_bound(layer, alice):
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    await socket.disconnect()
