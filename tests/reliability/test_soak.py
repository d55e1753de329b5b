"""Soak: 1,000 sockets over 300 users, a steady stream of notifications and acks, one
server process killed and restarted and Redis killed and restarted along the way. At the
end every tab shows exactly the user's unread set in the database, nothing twice."""

import asyncio
import json
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.servers import REPO
from tests.reliability.client import Tab

pytestmark = pytest.mark.slow

USERS, SOCKETS, RATE, SECONDS = 300, 1000, 20, 60

SETUP = """
import json
from django.contrib.auth import get_user_model
from accounts.services import create_token
users = get_user_model().objects.bulk_create(
    [get_user_model()(username=f"u{i}") for i in range(%d)])
print(json.dumps({u.username: create_token(user=u)[1] for u in users}))
"""

# One long-lived producer: a line "username text" in, the message id out.
PRODUCER = """
import sys
from django.contrib.auth import get_user_model
from notifications.services import notify
users = {u.username: u for u in get_user_model().objects.all()}
for line in sys.stdin:
    name, text = line.split(" ", 1)
    print(notify(users[name], text.strip()).pk, flush=True)
"""

UNREAD = """
import json
from notifications.models import Message
rows = Message.objects.filter(read_at__isnull=True).values_list("recipient__username", "id")
out = {}
for name, id_ in rows:
    out.setdefault(name, []).append(id_)
print(json.dumps(out))
"""


async def test_soak_with_a_server_and_redis_killed(make_stack, own_redis):
    stack = make_stack(
        redis_url=own_redis.url, extra_env={"NOTIFICATIONS_LAYER_CHECK_INTERVAL": "0.5"}
    )
    tokens = json.loads(stack.manage("shell", "-v", "0", "-c", SETUP % USERS))
    port_a, port_b = stack.start_server(), stack.start_server()
    urls = [f"ws://127.0.0.1:{p}/ws/notifications/" for p in (port_a, port_b)]
    names = sorted(tokens)
    tabs: dict[str, list[Tab]] = {name: [] for name in names}
    for i in range(SOCKETS):
        name = names[i % USERS]
        tab = Tab(urls, tokens[name], acks=not tabs[name])
        tabs[name].append(tab)
        tab.start(first=0 if i % 4 else 1)  # three quarters on process A
        if i % 100 == 99:
            await asyncio.sleep(0.2)  # connect in bursts of 100
    everyone = [t for ts in tabs.values() for t in ts]
    await asyncio.gather(*(t.synced() for t in everyone))

    producer = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PRODUCER],
        cwd=REPO,
        env=stack.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    rng = random.Random(7)
    started = time.monotonic()
    events = {
        10: lambda: stack.kill_server(port_a, signal.SIGKILL),
        14: lambda: stack.start_server(port_a),
        30: own_redis.stop,
        36: own_redis.start,
    }
    sent = 0
    try:
        while (elapsed := time.monotonic() - started) < SECONDS:
            for at in [t for t in events if t <= elapsed]:
                await asyncio.to_thread(events.pop(at))
            producer.stdin.write(f"{rng.choice(names)} soak {sent}\n")
            producer.stdin.flush()
            await asyncio.to_thread(producer.stdout.readline)
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / RATE - time.monotonic()))
    finally:
        producer.stdin.close()
        producer.wait(timeout=30)

    await asyncio.sleep(2)  # acks still in flight
    unread = json.loads(await asyncio.to_thread(stack.manage, "shell", "-v", "0", "-c", UNREAD))

    def matches() -> bool:
        return all(set(t.shown) == set(unread.get(name, [])) for name in names for t in tabs[name])

    deadline = time.monotonic() + 30
    while not matches() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    for tab in everyone:
        await tab.stop()

    assert sent > RATE * SECONDS * 0.5
    wrong = [
        (name, sorted(set(t.shown) ^ set(unread.get(name, []))))
        for name in names
        for t in tabs[name]
        if set(t.shown) != set(unread.get(name, []))
    ]
    assert wrong == []
    assert all(max(t.displayed.values(), default=1) == 1 for t in everyone)
    assert sum(t.connects for t in everyone) > SOCKETS  # the kill did move sockets
