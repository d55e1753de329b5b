"""The targets one run drives, all with the same load client, rates and sockets:
ours (signed SNS POSTs), the Channels floor (plain POSTs), the peer (SSE streams).

Each starts its server(s), warms up, opens the sockets (recording connects/s and RSS
per socket), runs the ladder and stops the server(s). `Run` (bench/run.py) holds what
they share: the processes, the accounts, the sampler, the results.
"""

import asyncio
import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.http import Poster
from bench.overload import overload_step, owed_tabs, print_row
from bench.peer.tokens import stream_token
from bench.procstat import rss_mb
from bench.sns import TOPIC_ARN, notify_message
from bench.sseclient import open_streams
from bench.steps import Target, ladder
from bench.wsclient import Hub, bearer_headers, browser_headers, open_tabs

SNS_HEADERS = {
    "Content-Type": "text/plain; charset=UTF-8",
    "x-amz-sns-message-type": "Notification",
    "x-amz-sns-topic-arn": TOPIC_ARN,
}


class Statuses:
    """HTTP statuses and failures of some posters, per step (the difference since last)."""

    def __init__(
        self,
        posters: list[Poster],
        gc: Callable[[dict], None] | None = None,
        **fields: object,
    ) -> None:
        self.posters, self.fields, self.gc = posters, fields, gc
        self.bad, self.seen = 0, {}
        self({})  # what came before the first step (the warm-up) is not the first step's

    def __call__(self, row: dict) -> None:
        statuses: dict[int, int] = {}
        for poster in self.posters:
            for status, n in poster.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        bad = sum(n for s, n in statuses.items() if s // 100 != 2)
        bad += sum(poster.failures for poster in self.posters)
        row["http_errors"] = bad - self.bad
        row["http_statuses"] = {s: n - self.seen.get(s, 0) for s, n in statuses.items()}
        row.update(self.fields)
        self.bad, self.seen = bad, statuses
        if self.gc is not None:
            self.gc(row)


# Ours serves /metrics with this token, so each step records the full collections in it.
METRICS_TOKEN = "bench-metrics"
_GC = re.compile(rb"^server_gc_full_collection_seconds_(count|sum) (\S+)$", re.M)


class FullCollections:
    """Full garbage collections of some servers of ours and their pauses, per step (the
    difference since last): a pause that lands in a step sets its p99. A server without
    the metric (an older commit) records nothing."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.last = self.read()

    def mark(self, *_: object) -> None:
        """Just before a step (its `before` hook): what came before is not the step's."""
        self.last = self.read()

    def read(self) -> tuple[float, float] | None:
        count = total = 0.0
        for port in self.ports:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/metrics",
                headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    found = dict(_GC.findall(answer.read()))
            except OSError:
                return None
            if set(found) != {b"count", b"sum"}:
                return None
            count += float(found[b"count"])
            total += float(found[b"sum"])
        return count, total

    def __call__(self, row: dict) -> None:
        now = self.read()
        if now is not None and self.last is not None:
            row["gc_full"] = int(now[0] - self.last[0])
            row["gc_full_ms"] = 1000 * (now[1] - self.last[1])
        self.last = now


async def warm_up(posters_and_requests: list[tuple[Poster, bytes]], log: str) -> None:
    for poster, request in posters_and_requests:
        status = await poster.post(request)
        if status // 100 != 2:
            raise SystemExit(f"warm-up POST answered {status}: see {log}")
    await asyncio.sleep(1)


async def ours(
    run,
    label: str,
    users: int,
    rates: list[float],
    env: dict,
    *,
    server: str = "daphne",
    ladder_limit: float | None,
    duration: float | None = None,
    processes: int = 0,
    ack: bool = True,
    code: Path | None = None,
) -> None:
    """One ladder on our app.

    processes=0: one server, pinned to CPU0 unless --no-pin. processes=N: N servers, not
    pinned; each user's tabs spread over them and the webhook POSTs round-robin.
    ack=False: no tab acks, so each notification is the peer's work (1 POST, 3 frames).
    code: another commit's tree to run (--compare), else this checkout.
    """
    if run.out_of_time(label):
        return
    cpus = ["all"] * processes if processes else [run.cpu_server]
    kwargs = {"code": code} if code is not None else {}
    env = {**env, "METRICS_TOKEN": METRICS_TOKEN}
    servers = [run.procs.ours(env, cpu, server, **kwargs) for cpu in cpus]
    pids = [process.pid for process, _ in servers]
    ports = [port for _, port in servers]
    count = len(servers)
    posters = [Poster(port, "/webhooks/sns/", max_connections=16) for port in ports]

    def prepare(plan: list) -> list:
        out = []
        for seq, user in plan:
            name = run.accounts[user][0]
            message_id, body = run.signer.notification(notify_message(name, f"b {seq} {user}"))
            poster = posters[seq % count]
            headers = {**SNS_HEADERS, "x-amz-sns-message-id": message_id}
            out.append((poster, poster.request(body, headers)))
        return out

    full_gcs = FullCollections(ports)
    profiler = run.profiler(pids[0]) if label == f"ours@{server}" else None

    def before(rate: float, duration: float) -> None:
        full_gcs.mark()
        if profiler is not None:
            profiler(rate, duration)

    # Warm up (imports, database connections) on users that have no socket yet.
    await warm_up(prepare([(-1 - i, i % users) for i in range(5 * count)]), str(run.workdir))
    await sockets_ladder(
        run,
        label,
        pids,
        ports,
        users,
        rates,
        prepare=prepare,
        fire=lambda payload: payload[0].post(payload[1]),
        path_for=lambda u: "/ws/notifications/",
        headers_for=lambda u, port: (
            bearer_headers(run.accounts[u][1])
            if run.args.bearer
            else browser_headers(port, run.accounts[u][2])
        ),
        statuses=Statuses(posters, target=label, processes=count, server=server, gc=full_gcs),
        ladder_limit=ladder_limit,
        duration=duration,
        ack=ack,
        before=before,
        # The overload step after the ladders of the compared targets (one process).
        overload="/webhooks/sns/" if not processes and ack and ladder_limit else None,
    )
    for poster in posters:
        poster.close()
    await asyncio.sleep(0.5)
    for process, _ in servers:
        run.procs.stop(process)


async def floor(run, server: str, tail: str = "") -> None:
    """The Channels floor (bench/floor/) on `server`: same users, tabs, rates and acks."""
    label = f"floor@{server}{tail}"
    if run.out_of_time(label):
        return
    env = run.gc_env()
    process, port = run.procs.floor(run.redis_url, env, run.cpu_server, server)
    poster = Poster(port, "/notify/", max_connections=16)
    headers = {"Content-Type": "application/json"}
    users = run.config["users"]

    def prepare(plan: list) -> list:
        return [
            poster.request(json.dumps({"user": u, "text": f"b {seq} {u}"}).encode(), headers)
            for seq, u in plan
        ]

    await warm_up([(poster, r) for r in prepare([(-1 - i, users + i) for i in range(5)])], "")
    await sockets_ladder(
        run,
        label,
        [process.pid],
        [port],
        users,
        run.config["rates"],
        prepare=prepare,
        fire=poster.post,
        path_for=lambda u: f"/ws/{u}/",
        headers_for=lambda u, port: browser_headers(port),
        statuses=Statuses([poster], target=label, server=server),
        ladder_limit=run.p99_limit,
        overload="/notify/",
    )
    poster.close()
    await asyncio.sleep(0.5)
    run.procs.stop(process)


async def sockets_ladder(
    run,
    label: str,
    pids: list[int],
    ports: list[int],
    users: int,
    rates: list[float],
    *,
    prepare: Callable[[list], list],
    fire: Callable[[object], object],
    path_for: Callable[[int], str],
    headers_for: Callable[[int, int], dict[str, str]],
    statuses: Statuses,
    ladder_limit: float | None,
    duration: float | None = None,
    ack: bool = True,
    before: Callable[[float, float], None] | None = None,
    overload: str | None = None,
) -> None:
    """Open users x tabs WebSockets on `ports`, then the ladder, then (with `overload`,
    the producers' path, and the scenario's `overload_rate`) the overload step
    (bench/overload.py); close the sockets."""
    hub = Hub()
    tabs, count = run.config["tabs"], len(ports)
    rss0 = sum(rss_mb(pid) for pid in pids)
    opened, seconds, failures = await open_tabs(
        hub,
        ports[0],
        users,
        tabs,
        path_for=path_for,
        headers_for=headers_for,
        # Tab t of user u on process (u + t) mod N: a user's tabs on different processes.
        port_for=lambda tab_id: ports[(tab_id // tabs + tab_id % tabs) % count],
        ack=ack,
    )
    await asyncio.sleep(2)
    run.record_connects(label, pids, len(opened), seconds, failures, rss0)
    target = Target(
        label, hub, users, tabs, prepare, fire, run.sampler(*pids), pids[0], server_pids=pids
    )
    target.owed = owed_tabs(target, {tab.tab_id for tab in opened})
    rows = await ladder(
        target,
        rates,
        duration=duration or run.config["duration"],
        grace=run.config["grace"],
        p99_limit_ms=ladder_limit,
        deadline=run.deadline,
        extra=statuses,
        before=before,
    )
    run.results["steps"].extend(rows)
    rate = run.config.get("overload_rate")
    if overload and rate and not run.out_of_time(f"{label} overload"):
        await asyncio.sleep(1)
        row = await overload_step(
            target, ports[0], overload, rate, run.config["overload_duration"],
            run.config["overload_grace"],
        )  # fmt: skip
        run.results.setdefault("overload", []).append(row)
        print_row(row)
    for tab in opened:
        tab.close()


async def peer(run) -> None:
    """The django-eventstream peer on daphne: same users, tabs and rates; SSE, no acks."""
    label = "peer@daphne"
    if run.out_of_time(label):
        return
    env = run.procs.make_peer(run.config["peer_db"], run.gc_env())
    process, port = run.procs.peer(env, run.cpu_server)
    users, tabs = run.config["users"], run.config["tabs"]
    secret = env["PEER_SECRET_KEY"]
    poster = Poster(port, "/notify/", max_connections=16)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {env['PEER_NOTIFY_TOKEN']}",
    }

    def prepare(plan: list) -> list:
        return [
            poster.request(json.dumps({"user": u, "text": f"b {seq} {u}"}).encode(), headers)
            for seq, u in plan
        ]

    # Warm up on users that have no stream yet (they never get one: ids past the last).
    await warm_up([(poster, r) for r in prepare([(-1 - i, users + i) for i in range(5)])], "")
    hub = Hub()
    rss0 = rss_mb(process.pid)
    opened, seconds, failures = await open_streams(
        hub, port, users, tabs, path="/events/", token_for=lambda u: stream_token(secret, u)
    )
    await asyncio.sleep(2)
    run.record_connects(label, [process.pid], len(opened), seconds, failures, rss0)
    statuses = Statuses([poster], target=label, server="daphne", peer_db=run.config["peer_db"])
    target = Target(
        label, hub, users, tabs, prepare, poster.post, run.sampler(process.pid), process.pid
    )
    rows = await ladder(
        target,
        run.config["rates"],
        duration=run.config["duration"],
        grace=run.config["grace"],
        p99_limit_ms=run.p99_limit,
        deadline=run.deadline,
        extra=statuses,
    )
    run.results["steps"].extend(rows)
    for stream in opened:
        stream.close()
    poster.close()
    await asyncio.sleep(0.5)
    run.procs.stop(process)
