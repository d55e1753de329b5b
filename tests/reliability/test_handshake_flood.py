"""An anonymous handshake flood does not deny legitimate sockets (issue 19.3), on the
Procfile's daphne with the default settings and Redis: handshakes without a session are
refused before any Redis or database work, handshakes are limited per address (4429 with
a hint), handshakes the client kills leave no Redis subscription behind, and the log
holds no traceback per killed handshake."""

import asyncio
import base64
import json
import os
import random
import socket
import threading
import time

import redis
import websockets

from harness.procfile import web_args
from tests.e2e.servers import Session

FLOODER = "127.0.0.5"  # no trusted proxy: limited per address
USER = "127.0.0.6"
SPREAD = [f"127.0.1.{n}" for n in range(1, 41)]  # a flood from many addresses


async def raw_handshake(port: int, source: str, headers: str, *, wait: bool) -> bytes:
    """One upgrade request; `wait`: read the answer, else hang up at once (a killed
    handshake, which the server may be in the middle of)."""
    sock = socket.socket()
    sock.setblocking(False)
    sock.bind((source, 0))
    loop = asyncio.get_running_loop()
    answer = b""
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /ws/notifications/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        while wait and (chunk := await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)):
            answer += chunk  # the 101, then the error frame and the close frame
    except (OSError, TimeoutError):
        pass
    finally:
        sock.close()
    return answer


async def flood(port: int, token: str, seconds: float, workers: int = 150) -> tuple[int, int]:
    """`workers` clients handshaking back to back: most without credentials (half of
    them hang up at once), some with a forged session, some with a real token from many
    addresses that hang up at once (killed handshakes that do reach the consumer)."""
    deadline = time.monotonic() + seconds
    bearer = f"Authorization: Bearer {token}\r\n"
    sent = limited = 0

    async def worker(n: int) -> None:
        nonlocal sent, limited
        while time.monotonic() < deadline:
            if n % 10 < 6:
                answer = await raw_handshake(port, FLOODER, "", wait=bool(n % 2))
                limited += b'"retry_after"' in answer  # told to back off
            elif n % 10 < 8:
                await raw_handshake(port, FLOODER, "Cookie: sessionid=forged\r\n", wait=False)
            else:
                await raw_handshake(port, random.choice(SPREAD), bearer, wait=False)
            sent += 1

    await asyncio.gather(*(worker(n) for n in range(workers)))
    return sent, limited


async def legitimate(port: int, cookie: str) -> tuple[int, float]:
    """Connect as the browser would (honouring a busy hint), until synced: (attempts, s)."""
    started = time.monotonic()
    for attempt in range(1, 20):
        hint = 1.0
        try:
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/notifications/",
                additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"},
                local_addr=(USER, 0),
                open_timeout=10,
            ) as ws:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "sync":
                    return attempt, time.monotonic() - started
                hint = frame.get("retry_after", 1)
        except (OSError, TimeoutError, websockets.WebSocketException):
            pass
        await asyncio.sleep(random.random() * hint)
    raise AssertionError("never synced")


def test_an_anonymous_flood_denies_no_legitimate_socket(make_stack, own_redis):
    stack = make_stack(redis_url=own_redis.url)
    stack.create_user("alice", "correct-horse-battery-staple")
    token = stack.manage("create_token", "alice")
    port = stack.start_server(args=web_args())
    cookie = (
        "sessionid="
        + Session(f"http://127.0.0.1:{port}", "alice", "correct-horse-battery-staple").cookies[
            "sessionid"
        ]
    )

    # The flood runs in a thread of its own, with its own event loop, so that the
    # legitimate client's timings are the server's, not this process's.
    result: list[tuple[int, int]] = []
    flooding = threading.Thread(target=lambda: result.append(asyncio.run(flood(port, token, 8))))
    flooding.start()
    time.sleep(1)

    async def users() -> list[tuple[int, float]]:
        found = []
        for _ in range(8):
            found.append(await legitimate(port, cookie))
            await asyncio.sleep(0.3)
        return found

    synced = asyncio.run(users())
    flooding.join()
    ((sent, limited),) = result
    assert sent > 1000
    # A user may be told to come back while the loop is busy with the flood (4503 and a
    # hint, honoured as the browser does), but gets in, most at once. (On this shared
    # 2-core machine the flooder takes a core; a first connect took up to 30 s.)
    assert all(seconds < 60 for _, seconds in synced), synced
    # Half at once: in CI the other worker's browser tests share the two cores, and there
    # one connect in three waited a hint or took seconds on its first attempt (2 attempts,
    # 4.1 s; 1 attempt, 2.0 s) while the flood ran; the hard claim is the line above.
    assert sum(seconds < 1 for _, seconds in synced) >= 4, synced

    time.sleep(3)  # the server finishes what the flood left
    left = [
        name
        for name in redis.Redis.from_url(own_redis.url).pubsub_channels()
        if b"watch." not in name  # the layer watch's own probe channel
    ]
    assert left == []
    log = (stack.workdir / f"daphne-{port}.log").read_text()
    assert "Traceback" not in log
    # The flooder's address was refused, at the door or at TCP, and logged sparingly.
    assert limited > 0 or f"too many connections from {FLOODER}" in log
    assert log.count("refusing handshakes") <= 2  # one line per 10 s while refusing
    assert log.count(f"too many connections from {FLOODER}") <= 1  # one a minute
