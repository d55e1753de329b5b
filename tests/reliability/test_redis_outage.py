"""Redis stops while sockets are open and notifications keep coming; then it returns."""

import asyncio
import json
import time

import websockets

from tests.conftest import PASSWORD
from tests.e2e.servers import Session


async def next_frame(ws, *, kind: str, within: float = 15) -> dict:
    deadline = time.monotonic() + within
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if frame["type"] == kind:
            return frame


async def test_messages_saved_during_an_outage_reach_every_socket_after_it(make_stack, own_redis):
    stack = make_stack(
        redis_url=own_redis.url, extra_env={"NOTIFICATIONS_LAYER_CHECK_INTERVAL": "0.5"}
    )
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    port = stack.start_server()
    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        websockets.connect(url, additional_headers=auth) as tab1,
        websockets.connect(url, additional_headers=auth) as tab2,
    ):
        for tab in (tab1, tab2):
            assert (await next_frame(tab, kind="sync"))["unread_count"] == 0

        own_redis.stop()
        # Producers still succeed: the message is saved, the failed push only logged.
        session = await asyncio.to_thread(Session, f"http://127.0.0.1:{port}", "alice", PASSWORD)
        status, body = await asyncio.to_thread(session.post, "/notifications/test/")
        assert status == 201
        during = [json.loads(body)["id"]]
        during.append(int(await asyncio.to_thread(stack.manage, "notify", "alice", "meanwhile")))

        own_redis.start()
        for tab in (tab1, tab2):
            synced = await next_frame(tab, kind="sync")
            assert sorted(m["id"] for m in synced["unread"]) == sorted(during)
            assert synced["unread_count"] == 2

        # And the live path works again.
        after = int(await asyncio.to_thread(stack.manage, "notify", "alice", "after"))
        for tab in (tab1, tab2):
            frame = await next_frame(tab, kind="notification")
            assert frame["message"]["id"] == after
            assert frame["unread_count"] == 3
