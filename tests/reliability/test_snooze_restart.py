"""Snooze wake-ups across server restarts: none lost while no server runs, none twice
while two servers' clocks (snooze/clock.py) race for them."""

import asyncio
import signal
import time
from collections import Counter

from tests.conftest import PASSWORD
from tests.reliability.client import Tab
from tests.reliability.test_server_restart import SERVICE_TOKEN, notify

CLOCK = {
    "NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN,
    "NOTIFICATIONS_SNOOZE_IN_PROCESS": "1",
    "NOTIFICATIONS_SNOOZE_CHECK_INTERVAL": "0.5",
}


class CountingTab(Tab):
    """A tab that also counts the `notification` frames of each message."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frames: Counter[int] = Counter()

    def _on_frame(self, frame: dict) -> int | None:
        if frame["type"] == "notification":
            self.frames[frame["message"]["id"]] += 1
        return super()._on_frame(frame)


def snooze_for(stack, message_id: int, seconds: float) -> None:
    stack.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from django.contrib.auth import get_user_model; from snooze import services as snooze; "
        "alice = get_user_model().objects.get(username='alice'); "
        f"snooze.snooze(user=alice, ids=[{message_id}], "
        f"until=timezone.now() + timedelta(seconds={seconds}))",
    )


def still_snoozed(stack, message_id: int) -> bool:
    out = stack.manage(
        "shell",
        "-c",
        "from notifications.models import Message; "
        f"print(Message.objects.get(pk={message_id}).snoozed_until is not None)",
    )
    return out.splitlines()[-1] == "True"


async def test_a_wake_up_due_while_every_server_was_down_and_one_due_after_the_restart(
    make_stack, redis_url
):
    stack = make_stack(redis_url=redis_url, extra_env=CLOCK)
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice")
    ports = [stack.start_server(), stack.start_server()]
    due_while_down = notify(ports[0], "due while the servers are down")
    due_after = notify(ports[0], "due after the restart")
    for port in ports:
        stack.kill_server(port, signal.SIGKILL)
    snooze_for(stack, due_after, 30)
    snooze_for(stack, due_while_down, 1)

    # No process runs when the first snooze ends: it waits, snoozed, in the database.
    await asyncio.sleep(3)
    assert await asyncio.to_thread(still_snoozed, stack, due_while_down)

    # Two new servers, each with its clock; tabs on both.
    ports = [stack.start_server(), stack.start_server()]
    urls = [f"ws://127.0.0.1:{p}/ws/notifications/" for p in ports]
    tabs = [CountingTab(urls, token) for _ in range(2)]
    for i, tab in enumerate(tabs):
        tab.start(first=i)
    try:
        for tab in tabs:
            await tab.synced()
        # The restarted clocks woke the first at once (in the sync or as a frame).
        assert not await asyncio.to_thread(still_snoozed, stack, due_while_down)
        assert all(due_after not in tab.shown for tab in tabs)
        deadline = time.monotonic() + 40
        while not all(due_after in tab.shown and tab.count == 2 for tab in tabs):
            assert time.monotonic() < deadline, [tab.shown for tab in tabs]
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # room for a second wake-up, were there one
    finally:
        for tab in tabs:
            await tab.stop()
    for tab in tabs:
        # The second came live, once, though two clocks were due to wake it.
        assert tab.frames[due_after] == 1
        assert tab.frames[due_while_down] <= 1
        assert set(tab.shown) == {due_while_down, due_after}
        assert tab.connects == 1
