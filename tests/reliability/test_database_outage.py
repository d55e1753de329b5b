"""PostgreSQL unreachable from the server: the webhook answers 503 so SNS retries, saves
nothing half way and pushes nothing; SNS's retry after the outage lands exactly once."""

import asyncio
import json
import os
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import websockets

from tests.conftest import PASSWORD, require
from tests.reliability.proxy import CuttableProxy
from tests.webhooks.factories import TOPIC_ARN, Pki, body, notification

COUNT = "from notifications.models import Message; print(Message.objects.count())"


def post(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_webhook_during_a_database_outage(make_stack, redis_url, tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    require(database_url.startswith("postgres"), "needs DATABASE_URL pointing at PostgreSQL")
    certs = tmp_path / "certs"
    certs.mkdir()
    pki = Pki(certs)
    stack = make_stack(
        redis_url=redis_url,
        extra_env={"SNS_CERT_DIR": str(certs), "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN},
    )
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")

    direct = urlsplit(stack.env["DATABASE_URL"])
    proxy = CuttableProxy(direct.hostname or "127.0.0.1", direct.port or 5432)
    await proxy.start()
    netloc = direct.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    stack.env["DATABASE_URL"] = urlunsplit(
        direct._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
    )
    port = stack.start_server()
    hook = f"http://127.0.0.1:{port}/webhooks/sns/"
    delivery = body(
        notification(
            {"notify": {"user": "alice", "text": "saved exactly once", "level": "success"}},
            key=pki.key,
            signing_cert_url=pki.url,
            at=datetime.now(UTC),
        )
    )
    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/notifications/",
            additional_headers={"Authorization": f"Bearer {token}"},
        ) as ws:
            assert json.loads(await ws.recv())["unread_count"] == 0

            proxy.cut()
            assert await asyncio.to_thread(post, hook, delivery) == 503
            await ws.send('{"type":"ping"}')  # nothing was pushed before the pong
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
            proxy.restore()
            assert await asyncio.to_thread(stack.manage, "shell", "-v", "0", "-c", COUNT) == "0"

            # SNS retries the same delivery (with backoff) until it is processed; the
            # connection pool may take a few seconds to reconnect. Processed once, pushed once.
            for _ in range(30):
                status = await asyncio.to_thread(post, hook, delivery)
                if status != 503:
                    break
                await ws.send('{"type":"ping"}')  # a 503 pushed nothing either
                assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
                await asyncio.sleep(1)
            assert status == 200
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame["type"] == "notification"
            assert frame["message"]["text"] == "saved exactly once"
            assert await asyncio.to_thread(post, hook, delivery) == 200
            await ws.send('{"type":"ping"}')
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
            assert await asyncio.to_thread(stack.manage, "shell", "-v", "0", "-c", COUNT) == "1"
    finally:
        await proxy.close()
