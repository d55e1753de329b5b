"""Outbound webhooks end to end: real servers, a real receiver that verifies signatures.

The receiver (tests/outbound/receiver.py) checks every request with the Standard Webhooks
library; the servers run with the defaults (in-process delivery after commit) except where
a test is about the Procfile's worker, and loopback allowed, as only tests may.
"""

import json
import signal
import sys
import time
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.outbound.receiver import SECRET, Receiver

SERVICE_TOKEN = "service-" + "s" * 32


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def webhook_env(receiver: Receiver, **extra: str) -> dict:
    return {
        "OUTBOUND_WEBHOOK_URL": receiver.url,
        "OUTBOUND_WEBHOOK_SECRET": SECRET,
        "OUTBOUND_WEBHOOK_ALLOW_LOOPBACK": "1",
        "OUTBOUND_WEBHOOK_TIMEOUT": "2",
        "OUTBOUND_WEBHOOK_RETRY_BASE": "0.3",
        "OUTBOUND_WEBHOOK_RETRY_MAX": "1",
        "NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN,
        **extra,
    }


def call(port: int, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def notify(port: int, text: str) -> int:
    return call(port, "/api/notify/", SERVICE_TOKEN, {"user": "alice", "text": text})["id"]


def states(stack) -> list[str]:
    return json.loads(
        stack.manage(
            "shell",
            "-v0",
            "-c",
            "import json; from outbound.models import OutboundEvent as E; "
            "print(json.dumps(list(E.objects.order_by('id').values_list('state', flat=True))))",
        )
    )


def test_lifecycle_events_arrive_signed_right_after_commit(make_stack, receiver):
    stack = make_stack(extra_env=webhook_env(receiver))
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    port = stack.start_server()
    message_id = notify(port, "hello")
    call(port, "/api/notifications/read/", token, {"ids": [message_id]})
    call(port, "/api/notifications/delete/", token, {"ids": [message_id]})
    receiver.wait_for(lambda r: len(r.verified) == 3, timeout=15)
    assert receiver.types() == ["message.created", "message.read", "message.deleted"]
    assert receiver.refused == 0
    created = receiver.verified[0].payload["data"]
    assert created["user"]["username"] == "alice"
    assert created["message"]["id"] == message_id
    assert receiver.verified[1].payload["data"]["message_ids"] == [message_id]
    assert states(stack) == ["delivered"] * 3


def test_a_receiver_outage_is_retried_by_the_worker_until_delivered(make_stack, receiver):
    # The Procfile's worker alone sends here: no in-process delivery.
    stack = make_stack(extra_env=webhook_env(receiver, OUTBOUND_WEBHOOK_IN_PROCESS="0"))
    stack.create_user("alice", PASSWORD)
    port = stack.start_server()
    stack.children.spawn(
        [sys.executable, "manage.py", "send_webhooks", "--every", "0.2"],
        "webhooks-worker",
        stack.env,
    )
    receiver_port = receiver.port
    receiver.status = 503
    ids = [notify(port, f"m{n}") for n in range(3)]
    receiver.wait_for(lambda r: len(r.requests) >= 3, timeout=20)  # refused, retried
    receiver.stop()  # then nothing listens at all for a while
    time.sleep(2)
    back = Receiver().start(receiver_port)
    try:
        back.wait_for(lambda r: len(r.verified) == 3, timeout=30)
        assert [r.payload["data"]["message"]["id"] for r in back.verified] == ids
        assert len({r.webhook_id for r in back.verified}) == 3
        assert states(stack) == ["delivered"] * 3
    finally:
        back.stop()


def test_a_server_killed_between_commit_and_delivery_delivers_once_back(make_stack, receiver):
    stack = make_stack(extra_env=webhook_env(receiver))
    stack.create_user("alice", PASSWORD)
    port = stack.start_server()
    receiver.hold.set()  # the POST arrives and is never answered
    notify(port, "in flight")
    receiver.wait_for(lambda r: len(r.requests) == 1, timeout=15)
    in_flight = receiver.requests[0]["headers"]["webhook-id"]
    stack.kill_server(port, signal.SIGKILL)
    receiver.hold.clear()
    receiver.release.set()
    assert states(stack) == ["pending"]  # committed, not delivered
    port = stack.start_server()
    notify(port, "after the restart")  # the restarted server's first commit wakes its sender
    receiver.wait_for(lambda r: len(r.verified) == 2, timeout=30)
    texts = {r.webhook_id: r.payload["data"]["message"]["text"] for r in receiver.verified}
    assert texts[in_flight] == "in flight"  # the same id again: receivers de-duplicate
    assert sorted(texts.values()) == ["after the restart", "in flight"]
    assert states(stack) == ["delivered"] * 2
