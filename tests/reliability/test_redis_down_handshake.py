"""A socket opened while Redis is down gets the documented close, not an HTTP 500."""

import pytest
import websockets

from tests.conftest import PASSWORD


async def test_a_new_socket_during_a_redis_outage_is_closed_with_4503(make_stack, own_redis):
    stack = make_stack(redis_url=own_redis.url)
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    port = stack.start_server()
    own_redis.stop()
    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    async with websockets.connect(
        url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=20
    ) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4503
