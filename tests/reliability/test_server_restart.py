"""Two daphne processes behind one Redis; one of them dies while notifications flow."""

import asyncio
import json
import signal
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.reliability.client import Tab

SERVICE_TOKEN = "service-" + "r" * 32


def notify(port: int, text: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/notify/",
        data=json.dumps({"user": "alice", "text": text}).encode(),
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 201
        return json.loads(response.read())["id"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_clients_of_a_dead_server_move_to_the_other_and_lose_nothing(
    make_stack, redis_url, sig
):
    # Producers notify through the API: each call is a new message (the test notification
    # of the home page updates one message in place).
    stack = make_stack(redis_url=redis_url, extra_env={"NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN})
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    port_a, port_b = stack.start_server(), stack.start_server()
    urls = [f"ws://127.0.0.1:{p}/ws/notifications/" for p in (port_a, port_b)]
    tabs = [Tab(urls, token) for _ in range(4)]
    for i, tab in enumerate(tabs):
        tab.start(first=i % 2)  # two tabs on each server
    for tab in tabs:
        await tab.synced()

    sent = []
    for n in range(20):
        if n == 8:
            await asyncio.to_thread(stack.kill_server, port_a, sig)
        sent.append(await asyncio.to_thread(notify, port_b, f"notification {n}"))
        await asyncio.sleep(0.05)
    assert len(set(sent)) == 20

    # Every tab converges on exactly the saved unread set, each shown once.
    async def converged() -> None:
        while not all(set(t.shown) == set(sent) and t.count == len(sent) for t in tabs):
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(converged(), 15)
    finally:
        for tab in tabs:
            await tab.stop()
    for tab in tabs:
        assert set(tab.shown) == set(sent)
        assert max(tab.displayed.values()) == 1
    moved = [t for t in tabs if t.connects == 2]
    assert len(moved) == 2  # the tabs of the dead server, and only those, reconnected
    # A graceful stop says so (4000: reconnect now); a killed server cannot.
    expected = 4000 if sig == signal.SIGTERM else None
    assert [t.closes for t in moved] == [[expected], [expected]]
