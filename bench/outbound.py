"""Outbound webhooks under load, with the default settings: what they cost the notify path,
and how soon each event reaches a receiver (docs/webhooks-outbound.md).

    python -m bench.outbound [--requests 2000] [--concurrency 8] [--rounds 2]

For each round, three deployments in turn (a Stack each: its own database, one daphne, the
shipped defaults): webhooks off; "on" (the defaults: the server sends from a thread of its
own right after commit) to a receiver on loopback that verifies every signature with
`standardwebhooks` (OUTBOUND_WEBHOOK_ALLOW_LOOPBACK is the one change); and "worker"
(OUTBOUND_WEBHOOK_IN_PROCESS=0: the server only writes the outbox, the Procfile's
`send_webhooks` process sends). The same POST /api/notify/ load runs against each; "on"
and "worker" then wait until every event has arrived. Prints one JSON line per deployment
and the ratios of notify calls per second to "off" in the same round. Uses DATABASE_URL
and REDIS_URL like the tests. `--modes off,outbox` adds "outbox" (the outbox written,
nothing sent: the hot path's own cost).
"""

import argparse
import http.client
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook

from harness.stack import Stack

logger = logging.getLogger("bench.outbound")
SERVICE_TOKEN = "bench-service-" + "t" * 32
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # bench only


class Receiver:
    """Counts verified events by webhook-id and when each arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, tuple[float, float]] = {}  # id -> (arrival, event time)
        self.requests = 0
        self.lock = threading.Lock()
        receiver, hook = self, Webhook(SECRET)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = hook.verify(body, dict(self.headers.items()))
                stamp = datetime.fromisoformat(payload["timestamp"]).timestamp()
                with receiver.lock:
                    receiver.requests += 1
                    receiver.arrived.setdefault(self.headers["webhook-id"], (time.time(), stamp))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load(port: int, requests: int, concurrency: int) -> float:
    """POST /api/notify/ `requests` times from `concurrency` keep-alive connections; seconds."""
    local = threading.local()

    def one(n: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"user": f"u{n % 20}", "text": f"bench {n}"})
        local.conn.request(
            "POST",
            "/api/notify/",
            body,
            {"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
        )
        response = local.conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"notify answered {response.status}")

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return time.perf_counter() - started


def deployment(workdir: Path, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver() if mode != "off" else None
    env = {"NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN}
    if receiver is not None:
        env |= {
            "OUTBOUND_WEBHOOK_URL": receiver.url,
            "OUTBOUND_WEBHOOK_SECRET": SECRET,
            "OUTBOUND_WEBHOOK_ALLOW_LOOPBACK": "1",
        }
    if mode in ("worker", "outbox"):
        env["OUTBOUND_WEBHOOK_IN_PROCESS"] = "0"
    stack = Stack(workdir / mode, extra_env=env)
    try:
        stack.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as m; "
            "m().objects.bulk_create([m()(username=f'u{i}') for i in range(20)])",
        )
        port = stack.start_server()
        if mode == "worker":
            stack.children.spawn(
                [sys.executable, "manage.py", "send_webhooks", "--every", "1"], "worker", stack.env
            )
        load(port, min(200, args.requests), args.concurrency)  # warm-up
        seconds = load(port, args.requests, args.concurrency)
        line: dict[str, Any] = {
            "webhooks": mode,
            "requests": args.requests,
            "seconds": round(seconds, 3),
            "notify_per_second": round(args.requests / seconds, 1),
        }
        if receiver is not None and mode != "outbox":
            expected = args.requests + min(200, args.requests)
            deadline = time.monotonic() + 300
            while len(receiver.arrived) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            lags = sorted(arrival - stamp for arrival, stamp in receiver.arrived.values())
            line |= {
                "events_delivered": len(receiver.arrived),
                "events_expected": expected,
                "posts": receiver.requests,
                "commit_to_delivery_p50_ms": round(statistics.median(lags) * 1000, 1),
                "commit_to_delivery_p99_ms": round(lags[int(len(lags) * 0.99) - 1] * 1000, 1),
                "commit_to_delivery_max_ms": round(lags[-1] * 1000, 1),
            }
        return line
    finally:
        stack.close()
        if receiver is not None:
            receiver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default="off,on,worker", help="off first; of on, worker, outbox")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    modes = args.modes.split(",")
    ratios: dict[str, list[float]] = {mode: [] for mode in modes if mode != "off"}
    with tempfile.TemporaryDirectory(prefix="bench-outbound-") as tmp:
        for round_ in range(args.rounds):
            lines = {mode: deployment(Path(tmp) / str(round_), mode, args) for mode in modes}
            for line in lines.values():
                print(json.dumps({"round": round_, **line}), flush=True)
            for mode, found in ratios.items():
                found.append(lines[mode]["notify_per_second"] / lines["off"]["notify_per_second"])
    for mode, found in ratios.items():
        logger.info(
            "notify calls/s, webhooks %s / off: %s (median %.2f)",
            mode,
            ", ".join(f"{r:.2f}" for r in found),
            statistics.median(found),
        )


if __name__ == "__main__":
    main()
