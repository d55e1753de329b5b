"""Many sockets on one process, and the restart storm: `python -m bench --scenarios storm`.

For the Channels floor and for ours (the Procfile's daphne options, default settings),
each in the same run and on the same pinned CPU:

1. open `sockets` sockets, 50 handshakes at a time: connects/s, RSS per socket;
2. idle with every socket open for `idle_s`: CPU of the server (heartbeats, checkers);
3. kill -9 the server, start it again on the same port (as a process manager would),
   and let every client reconnect at once with the browser's algorithm
   (static/notifications/backoff.js, ported in `next_retry`: full jitter from the first
   retry, the server's `retry_after` hint): time until 99 % are synced again, handshakes
   refused (4503/4429) and hung (no answer in `HUNG_S`), the most refused time of one
   client.

The bar (issue 17.3): 99 % synced within 2x the time the floor's connect rate needs for
the same number of sockets, a few seconds of refusals per client at most, none hung.
"""

import asyncio
import json
import os
import random
import signal
import time
from dataclasses import dataclass, field

from bench.procstat import cpu_seconds, rss_mb
from bench.wsclient import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    browser_headers,
    handshake,
    mask_frame,
)
from harness.procfile import web_args
from harness.servers import REPO

HUNG_S = 10.0  # a handshake with no answer this long is given up, as a browser would
BASE_S, CAP_S, HINT_CAP_S = 1.0, 30.0, 30.0  # backoff.js's constants, in seconds


def next_retry(attempt: int, code: int | None, hint_s: float) -> tuple[float, int]:
    """backoff.js's nextRetry (4401 never happens here: the tokens are valid)."""
    n = 1 if code in (4429, 4503) and attempt == 0 else attempt
    window = min(HINT_CAP_S, hint_s) if hint_s > 0 else min(CAP_S, BASE_S * 2**n)
    return random.random() * window, n + 1


class Socket(asyncio.Protocol):
    """One connection: synced on its first `sync`; else the close code and the hint."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.buf = bytearray()
        self.open = False
        self.code: int | None = None
        self.hint = 0.0
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answer.done():
            self.answer.set_result(False)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.transport.close()
                return
            del buf[: end + 4]
            self.open = True
        while len(buf) >= 2:
            opcode, size, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, start = int.from_bytes(buf[2:4], "big"), 4
            if len(buf) < start + size:
                return
            payload = bytes(buf[start : start + size])
            del buf[: start + size]
            if opcode == OP_TEXT and payload.startswith(b'{"type":"sync"'):
                if not self.answer.done():
                    self.answer.set_result(True)
            elif opcode == OP_TEXT and b'"retry_after"' in payload:
                self.hint = max(self.hint, float(json.loads(payload)["retry_after"]))
            elif opcode == OP_PING:
                self.transport.write(mask_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self.code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.transport.close()


@dataclass
class Storm:
    synced_at: list[float] = field(default_factory=list)
    refused: int = 0
    hung: int = 0
    failed: int = 0  # TCP refused/reset, HTTP refusal, closed without a code
    refused_s: dict[int, float] = field(default_factory=dict)  # per client


async def attempt(port: int, request: bytes, limit: float) -> tuple[Socket, str]:
    loop = asyncio.get_running_loop()
    sock = Socket(request)
    try:
        await asyncio.wait_for(loop.create_connection(lambda: sock, "127.0.0.1", port), limit)
        ok = await asyncio.wait_for(asyncio.shield(sock.answer), limit)
    except TimeoutError:
        if sock.transport is not None:
            sock.transport.abort()
        return sock, "hung"
    except OSError:
        return sock, "failed"
    if ok:
        return sock, "synced"
    return sock, "refused" if sock.code in (4429, 4503) else "failed"


async def reconnect(
    client: int, port: int, request_for, started: float, deadline: float, storm: Storm
) -> Socket | None:
    """One tab after the restart: backoff.js's algorithm until synced or the deadline."""
    tries = 0
    delay, tries = next_retry(tries, None, 0)
    await asyncio.sleep(delay)  # the close woke every client at once; full jitter
    while time.monotonic() < deadline:
        began = time.monotonic()
        sock, outcome = await attempt(port, request_for(client, port), HUNG_S)
        if outcome == "synced":
            storm.synced_at.append(time.monotonic() - started)
            return sock
        code, hint = sock.code, sock.hint
        if outcome == "refused":
            storm.refused += 1
            storm.refused_s[client] = storm.refused_s.get(client, 0) + time.monotonic() - began
        elif outcome == "hung":
            storm.hung += 1
        else:
            storm.failed += 1
        delay, tries = next_retry(tries, code, hint)
        await asyncio.sleep(delay)
    return None


async def open_all(port: int, n: int, request_for, concurrency: int = 50):
    gate = asyncio.Semaphore(concurrency)
    socks: list[Socket] = []

    async def one(i: int) -> None:
        async with gate:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sock, outcome = await attempt(port, request_for(i, port), 120)
                if outcome == "synced":
                    socks.append(sock)
                    return
                if outcome != "refused":
                    return
                # Refused by the door (4503/4429): back again within its hint, as a
                # browser would, so a busy server's connects/s counts every socket.
                await asyncio.sleep(random.random() * max(sock.hint, 0.5))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return socks, time.perf_counter() - started


async def measure(run, label: str, start, request_for, sockets: int, config: dict) -> dict:
    """start() -> (process, port) on a given port or a free one (port=None)."""
    process, port = start(None)
    rss0, busy0 = rss_mb(process.pid), cpu_seconds(process.pid)
    socks, seconds = await open_all(port, sockets, request_for)
    rss1 = rss_mb(process.pid)
    cpu0 = cpu_seconds(process.pid)
    # The server's CPU per handshake: less noisy than connects/s on a shared machine.
    connect_cpu_ms = 1000 * (cpu0 - busy0) / max(1, len(socks))
    await asyncio.sleep(config["idle_s"])
    idle_cpu = (cpu_seconds(process.pid) - cpu0) / config["idle_s"]
    row = {
        "target": label,
        "sockets": len(socks),
        "connect_s": seconds,
        "connects_per_s": len(socks) / seconds,
        "connect_cpu_ms": connect_cpu_ms,
        "kb_per_socket": 1024 * (rss1 - rss0) / max(1, len(socks)),
        "idle_cpu": idle_cpu,
    }
    # The restart: kill -9, a new process on the same port, every client back at once.
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
    for sock in socks:
        if sock.transport is not None:
            sock.transport.abort()
    started = time.monotonic()
    process, _ = start(port)
    storm = Storm()
    deadline = started + config["storm_window_s"]
    back = await asyncio.gather(
        *(reconnect(i, port, request_for, started, deadline, storm) for i in range(len(socks)))
    )
    synced = sorted(storm.synced_at)
    need = int(0.99 * len(socks))
    row.update(
        {
            "storm_synced": len(synced),
            "storm_99pct_s": synced[need - 1] if len(synced) >= need else None,
            "storm_refused": storm.refused,
            "storm_hung": storm.hung,
            "storm_failed": storm.failed,
            "storm_max_refused_s_per_client": max(storm.refused_s.values(), default=0.0),
        }
    )
    for sock in back:
        if sock is not None and sock.transport is not None:
            sock.transport.close()
    await asyncio.sleep(1)
    run.procs.stop(process)
    print(
        f"{label}: {row['sockets']} sockets at {row['connects_per_s']:.0f}/s "
        f"({connect_cpu_ms:.2f} ms CPU each), "
        f"{row['kb_per_socket']:.1f} KB/socket, idle CPU {100 * idle_cpu:.0f} %; restart: "
        f"{len(synced)} synced, 99 % at {row['storm_99pct_s']} s, {storm.refused} refused, "
        f"{storm.hung} hung, {storm.failed} failed, most refused time of a client "
        f"{row['storm_max_refused_s_per_client']:.1f} s",
        flush=True,
    )
    return row


async def storm_scenario(run) -> None:
    """Per round: the floor, ours, and with --compare the other commit's app (`base`)."""
    config = run.config
    n = config["users"] * config["tabs"]
    env = {} if run.args.gc_interval is None else {"GC_FREEZE_INTERVAL": run.args.gc_interval}
    cpu = run.cpu_server

    floor_env = {**os.environ, "REDIS_URL": run.redis_url, "PYTHONUNBUFFERED": "1", **env}
    floor_env.pop("DJANGO_SETTINGS_MODULE", None)

    def floor_start(port):
        return run.procs.serve(
            "bench.floor.asgi:application",
            floor_env,
            port=port,
            cpu=cpu,
            quiet=True,
            timeout=120,
        )

    def ours_start_in(code):
        def start(port):
            return run.procs.serve(
                "project.asgi:application",
                {**run.procs.stack.env, **env},
                port=port,
                args=web_args(),
                cpu=cpu,
                quiet=True,
                timeout=120,
                cwd=code,
            )

        return start

    def floor_request(i: int, port: int) -> bytes:
        return handshake(port, f"/ws/{i // config['tabs']}/", {})

    def ours_request(i: int, port: int) -> bytes:
        # As a browser opens it (the deployed shape): the session cookie and Origin.
        session = run.accounts[i // config["tabs"]][2]
        return handshake(port, "/ws/notifications/", browser_headers(port, session))

    targets = [("ours", ours_start_in(REPO))]
    if run.args.compare:
        run.results["compare"] = run.args.compare
        targets.append(("base", ours_start_in(run.procs.export(run.args.compare))))
    rows = []
    for k in range(1, run.args.rounds + 1):
        tail = f"#{k}" if k > 1 else ""
        floor = await measure(run, f"floor@daphne{tail}", floor_start, floor_request, n, config)
        rows.append(floor)
        bar = 2 * n / floor["connects_per_s"]
        for name, start in targets:
            row = await measure(run, f"{name}@daphne{tail}", start, ours_request, n, config)
            row["ratios"] = {
                "connects": row["connects_per_s"] / floor["connects_per_s"],
                "connect_cpu": row["connect_cpu_ms"] / max(floor["connect_cpu_ms"], 1e-9),
                "kb_per_socket": row["kb_per_socket"] / max(floor["kb_per_socket"], 1e-9),
                "idle_cpu": row["idle_cpu"] / max(floor["idle_cpu"], 1e-9),
                "storm_bar_s": bar,
            }
            rows.append(row)
            ratios = row["ratios"]
            print(
                f"{name}{tail} / floor: connects {ratios['connects']:.2f}, CPU per connect "
                f"{ratios['connect_cpu']:.2f}, RSS per socket {ratios['kb_per_socket']:.2f}, "
                f"idle CPU {ratios['idle_cpu']:.2f}; restart bar (2x the floor's connect time "
                f"for {n}): {bar:.0f} s; {name} 99 % at {row['storm_99pct_s']} s, floor 99 % "
                f"at {floor['storm_99pct_s']} s",
                flush=True,
            )
    run.results["storm"] = rows
