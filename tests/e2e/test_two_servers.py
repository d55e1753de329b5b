"""Two daphne processes sharing Redis and a database, with real WebSocket clients."""

import asyncio
import json

import pytest
import websockets

from tests.conftest import PASSWORD
from tests.e2e.servers import Session


async def frame(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def test_push_and_ack_cross_processes(make_stack, redis_url):
    stack = make_stack(redis_url=redis_url)
    stack.create_user("alice", PASSWORD)
    stack.create_user("bob", PASSWORD)
    token = stack.manage("create_token", "alice", "--name", "e2e")
    bob_token = stack.manage("create_token", "bob")
    port_a, port_b = stack.start_server(), stack.start_server()

    auth = {"Authorization": f"Bearer {token}"}
    async with (
        websockets.connect(
            f"ws://127.0.0.1:{port_a}/ws/notifications/", additional_headers=auth
        ) as on_a,
        websockets.connect(
            f"ws://127.0.0.1:{port_b}/ws/notifications/", additional_headers=auth
        ) as on_b,
        websockets.connect(
            f"ws://127.0.0.1:{port_b}/ws/notifications/",
            additional_headers={"Authorization": f"Bearer {bob_token}"},
        ) as bob_on_b,
    ):
        for ws in (on_a, on_b, bob_on_b):
            assert (await frame(ws))["type"] == "sync"

        # Sent through process A (an HTTP request it serves) -> the socket on process B.
        status, body = await asyncio.to_thread(
            lambda: Session(f"http://127.0.0.1:{port_a}", "alice", PASSWORD).post(
                "/notifications/test/"
            )
        )
        assert status == 201
        message_id = json.loads(body)["id"]
        for ws in (on_b, on_a):
            pushed = await frame(ws)
            assert pushed["type"] == "notification"
            assert pushed["message"]["id"] == message_id
            assert pushed["unread_count"] == 1

        # An ack on B -> `read` on A (and on B, the acking socket included).
        await on_b.send(json.dumps({"type": "ack", "ids": [message_id]}))
        for ws in (on_a, on_b):
            assert await frame(ws) == {"type": "read", "ids": [message_id], "unread_count": 0}

        # Bob, on the same process as alice's socket, saw none of it.
        await bob_on_b.send('{"type":"ping"}')
        assert await frame(bob_on_b) == {"type": "pong"}


@pytest.mark.parametrize("use_redis", [False, True], ids=["embedded", "redis"])
async def test_manage_notify_reaches_a_running_server_through_redis(make_stack, request, use_redis):
    """Another process's message reaches live sockets only through Redis; without it,
    the message is still saved and arrives with the next sync."""
    redis_url = request.getfixturevalue("redis_url") if use_redis else ""
    stack = make_stack(redis_url=redis_url)
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    port = stack.start_server()
    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    auth = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, additional_headers=auth) as ws:
        assert (await frame(ws))["unread_count"] == 0
        message_id = int(await asyncio.to_thread(stack.manage, "notify", "alice", "from a script"))
        if use_redis:
            assert (await frame(ws))["message"]["id"] == message_id
        else:
            await ws.send('{"type":"sync"}')
            synced = await frame(ws)
            assert [m["id"] for m in synced["unread"]] == [message_id]
