"""A raw asyncio WebSocket client: one Protocol per socket, a few lines of work per frame.

Server frames are small, unmasked and unfragmented (daphne and `websockets` both send
them so); the client answers pings, masks what it sends and records every delivery in
the shared `Hub`. Latency is stamped once per read, before any parsing.
"""

import asyncio
import base64
import json
import os
import time
from collections.abc import Callable

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 1, 8, 9, 10


def mask_frame(opcode: int, payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    else:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    repeated = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")
    return head + key + masked


class Hub:
    """Where every tab reports: deliveries of the current step, sockets ready or closed."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[int, int, int, float]] = []  # seq, tab, target user, t
        self.errors = 0
        self.closed = 0
        self.ready = 0
        self.expect = 0

    def reset(self, expect: int) -> None:
        self.arrivals = []
        self.errors = 0
        self.expect = expect

    def on_ready(self) -> None:
        self.ready += 1


class Client(asyncio.Protocol):
    """One tab's connection: sends its request, reports to the hub once it is ready.

    `established` is set by the subclass once the server accepted the request; a
    connection lost after that counts as closed.
    """

    def __init__(self, hub: Hub, tab_id: int, request: bytes) -> None:
        self.hub, self.tab_id, self.request = hub, tab_id, request
        self.transport: asyncio.Transport | None = None
        self.established = False
        self.is_ready = False
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.established:
            self.hub.closed += 1
        if not self.done.done():
            self.done.set_exception(ConnectionError("closed before ready"))

    def set_ready(self) -> None:
        if not self.is_ready:
            self.is_ready = True
            self.hub.on_ready()
            if not self.done.done():
                self.done.set_result(None)


class Tab(Client):
    """One socket speaking the app's protocol (the floor speaks it too): `sync` means
    ready, `notification` frames are recorded (and acked by the acker tab)."""

    def __init__(self, hub: Hub, tab_id: int, user: int, request: bytes, *, acker: bool) -> None:
        super().__init__(hub, tab_id, request)
        self.user, self.acker = user, acker
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf
        buf += data
        if not self.established:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.done.set_exception(ConnectionError(bytes(buf[:end]).decode(errors="replace")))
                self.transport.close()
                return
            del buf[: end + 4]
            self.established = True
        while len(buf) >= 2:
            opcode, size = buf[0] & 0x0F, buf[1] & 0x7F
            start = 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, start = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, start = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < start + size:
                return
            payload = bytes(buf[start : start + size])
            del buf[: start + size]
            if opcode == OP_TEXT:
                self.on_text(payload, now)
            elif opcode == OP_PING:
                self.transport.write(mask_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self.transport.close()

    def on_text(self, payload: bytes, now: float) -> None:
        if payload.startswith(b'{"type":"notification"'):
            message = json.loads(payload)["message"]
            _, seq, user = message["text"].split(" ")
            self.hub.arrivals.append((int(seq), self.tab_id, int(user), now))
            if self.acker:
                ack = b'{"type":"ack","ids":[%d]}' % message["id"]
                self.transport.write(mask_frame(OP_TEXT, ack))
        elif payload.startswith(b'{"type":"sync"'):
            self.set_ready()
        elif payload.startswith(b'{"type":"error"'):
            self.hub.errors += 1

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()


def handshake(port: int, path: str, headers: dict[str, str]) -> bytes:
    """An upgrade request as a browser sends it: `headers` adds Origin, Cookie or a token."""
    key = base64.b64encode(os.urandom(16)).decode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"{extra}\r\n"
    ).encode()


def browser_headers(port: int, session_key: str | None = None) -> dict[str, str]:
    """A same-origin page's handshake headers: Origin, and its session cookie if any."""
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if session_key:
        headers["Cookie"] = f"sessionid={session_key}"
    return headers


def bearer_headers(token: str) -> dict[str, str]:
    """A script's handshake headers: a bearer token and no Origin (not a browser)."""
    return {"Authorization": f"Bearer {token}"}


async def open_tabs(
    hub: Hub,
    port: int,
    users: int,
    tabs_per_user: int,
    *,
    path_for: Callable[[int], str],
    headers_for: Callable[[int, int], dict[str, str]],
    concurrency: int = 50,
    ready_timeout: float = 120,
    port_for: Callable[[int], int] | None = None,
    ack: bool = True,
) -> tuple[list[Tab], float, int]:
    """Open users x tabs sockets, at most `concurrency` handshakes in flight.

    50 in flight, as browsers reconnecting with backoff would be: the ladder needs every
    socket open; connect storms are scenarios of their own.

    headers_for(user, port) gives each handshake's extra headers (browser_headers...).
    The first tab of each user acks every notification (ack=False: no tab does).
    port_for(tab_id), when given, picks each socket's server (several processes).
    Returns (tabs, seconds until every socket had its first frame, failures).
    """
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    tabs: list[Tab] = []
    failures = 0

    async def one(tab_id: int) -> None:
        nonlocal failures
        user = tab_id // tabs_per_user
        tab_port = port if port_for is None else port_for(tab_id)
        request = handshake(tab_port, path_for(user), headers_for(user, tab_port))
        async with gate:
            acker = ack and tab_id % tabs_per_user == 0
            tab = Tab(hub, tab_id, user, request, acker=acker)
            try:
                await loop.create_connection(lambda: tab, "127.0.0.1", tab_port)
                await asyncio.wait_for(tab.done, ready_timeout)
            except (OSError, ConnectionError, TimeoutError):
                failures += 1
                return
            tabs.append(tab)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(users * tabs_per_user)))
    return tabs, time.perf_counter() - started, failures
