"""CPU of the connect path alone: `python bench/connects.py [N] [IN_FLIGHT]`.

What a browser's handshake costs our app (issue 17.2): N sockets opened through
`project.asgi.application` in this process (the door, the origin check, session
authentication, the consumer's channel and group, the `sync` read), each with a logged-in
session's cookie and an `Origin`, IN_FLIGHT at a time, on the layer and database the
environment names (REDIS_URL, DATABASE_URL). It prints the process's CPU time (every
thread) per handshake, the wall time, and the database connections opened (pool
check-outs) and queries per handshake. No server: daphne's own cost, which the floor
pays alike, is not in it, so the figure moves only with our code.

Run from a checkout's root; to compare two commits, run this file from each tree (it puts
the current directory first on the path): `cd <other tree> && python <this>/bench/connects.py`.
"""

import asyncio
import os
import statistics
import sys
import time

# This file's folder (bench/) would shadow the standard library's `http`: the tree to
# measure comes first instead.
sys.path[0] = os.getcwd()

ROUNDS = 5


async def run(count: int, in_flight: int) -> None:
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth import get_user_model
    from django.db.backends.signals import connection_created
    from django.test import Client

    from project.asgi import application

    @database_sync_to_async
    def cookies() -> list[bytes]:
        out = []
        for i in range(50):
            user, _ = get_user_model().objects.get_or_create(username=f"cbench{i:03d}")
            client = Client()
            client.force_login(user)
            out.append(f"sessionid={client.cookies['sessionid'].value}".encode())
        return out

    jar = await cookies()
    origin = (b"origin", b"http://localhost:8000")
    opened = [0]
    connection_created.connect(lambda **kwargs: opened.__setitem__(0, opened[0] + 1), weak=False)

    async def one(i: int, gate: asyncio.Semaphore, sockets: list) -> None:
        async with gate:
            headers = [origin, (b"cookie", jar[i % len(jar)])]
            socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
            connected, _ = await socket.connect(timeout=30)
            assert connected
            assert b'"sync"' in (await socket.receive_output(timeout=30))["text"].encode()
            sockets.append(socket)

    async def batch(n: int) -> tuple[float, float, int]:
        gate, sockets = asyncio.Semaphore(in_flight), []
        opened[0] = 0
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i, gate, sockets) for i in range(n)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        checkouts = opened[0]
        for socket in sockets:
            await socket.disconnect()
        return 1000 * cpu / n, 1000 * wall / n, checkouts

    await batch(min(count, 50))  # warm up: imports, pools, the layer's connections
    results = [await batch(count) for _ in range(ROUNDS)]
    cpu = statistics.median(r[0] for r in results)
    wall = statistics.median(r[1] for r in results)
    checkouts = statistics.median(r[2] for r in results)
    print(
        f"{os.getcwd()}: per handshake, median of {ROUNDS} x {count} ({in_flight} in flight): "
        f"CPU {cpu:.2f} ms, wall {wall:.2f} ms, connections opened {checkouts / count:.2f}"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("SECRET_KEY", "bench-connects")
    # Every handshake here comes from one address: the per-address door would refuse.
    os.environ.setdefault("ADMISSION_HANDSHAKE_BURST", "1000000")
    import django

    django.setup()
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(run(*(args + [200, 20][len(args) :])))
