"""Redis stops while sockets are open and notifications keep coming; then it returns."""

import asyncio
import json
import time
from datetime import UTC, datetime

import websockets

from tests.conftest import PASSWORD
from tests.e2e.servers import Session
from tests.e2e.test_sns_browser import post
from tests.webhooks.factories import TOPIC_ARN, Pki, body, notification


async def next_frame(ws, *, kind: str, within: float = 15) -> dict:
    deadline = time.monotonic() + within
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if frame["type"] == kind:
            return frame


async def test_messages_saved_during_an_outage_reach_every_socket_after_it(
    make_stack, own_redis, tmp_path
):
    (tmp_path / "certs").mkdir()
    pki = Pki(tmp_path / "certs")
    stack = make_stack(
        redis_url=own_redis.url,
        extra_env={
            "NOTIFICATIONS_LAYER_CHECK_INTERVAL": "0.5",
            "SNS_CERT_DIR": str(tmp_path / "certs"),
            "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN,
        },
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
        status, sent = await asyncio.to_thread(session.post, "/notifications/test/")
        assert status == 201
        during = [json.loads(sent)["id"]]
        during.append(int(await asyncio.to_thread(stack.manage, "notify", "alice", "meanwhile")))
        # The SNS webhook too: SNS gives up on a delivery after 15 s, and a timeout or a 5xx
        # would make it retry; the push is bounded by NOTIFICATIONS_SEND_TIMEOUT (2 s).
        delivery = notification(
            {"notify": {"user": "alice", "text": "from SNS"}},
            key=pki.key,
            signing_cert_url=pki.url,
            at=datetime.now(UTC),
        )
        webhook = f"http://127.0.0.1:{port}/webhooks/sns/"
        started = time.monotonic()
        assert await asyncio.to_thread(post, webhook, body(delivery)) == 200
        answered_in = time.monotonic() - started
        assert answered_in < 10, f"the webhook took {answered_in:.1f} s with Redis down"
        during.append(await asyncio.to_thread(message_id_for, stack, delivery["MessageId"]))

        own_redis.start()
        for tab in (tab1, tab2):
            synced = await next_frame(tab, kind="sync")
            assert sorted(m["id"] for m in synced["unread"]) == sorted(during)
            assert synced["unread_count"] == 3

        # And the live path works again.
        after = int(await asyncio.to_thread(stack.manage, "notify", "alice", "after"))
        for tab in (tab1, tab2):
            frame = await next_frame(tab, kind="notification")
            assert frame["message"]["id"] == after
            assert frame["unread_count"] == 4


def message_id_for(stack, source_id: str) -> int:
    code = (
        "from notifications.models import Message; "
        f"print(Message.objects.get(source_id={source_id!r}).pk)"
    )
    return int(stack.manage("shell", "-v", "0", "-c", code))
