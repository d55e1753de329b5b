"""`python -m bench`: the load tool. See docs/performance.md for what it measures.

python -m bench --smoke                   # tiny, < 60 s; exit 1 on loss/dup/misroute
python -m bench --scenarios standard      # baselines, 1,000-socket ladder, peer, GC, 10k
python -m bench --scenarios scaleout      # the ladder on 1, 2 and 4 server processes
python -m bench --processes 2 ...         # add a ladder on N processes to any scenario
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import report
from bench.http import Poster
from bench.peer.tokens import stream_token
from bench.procstat import Sampler, pids_named, postgres_of, rss_mb
from bench.redis_rtt import round_trips
from bench.servers import REPO, Processes, raise_fd_limit
from bench.sns import TOPIC_ARN, Signer, notify_message
from bench.sseclient import open_streams
from bench.steps import Target, ladder
from bench.wsclient import OP_TEXT, Hub, mask_frame, open_tabs

RESULTS = Path(__file__).resolve().parent / "results"

SCENARIOS = {
    "smoke": {
        "users": 10,
        "tabs": 3,
        "rates": [10, 20],
        "duration": 2.0,
        "grace": 3.0,
        "floor": False,
        "peer": False,
        "gc_compare": [],
        "scale_sockets": 0,
        "processes": [],
        "redis_rtt": 200,
        "budget_s": 50,
    },
    "standard": {
        "users": 334,
        "tabs": 3,
        "rates": [25, 50, 75, 100, 150, 200, 400, 800, 1600],
        "duration": 5.0,
        "grace": 4.0,
        "floor": True,
        "peer": True,
        "gc_compare": [25, 50],
        "gc_duration": 8.0,
        "scale_sockets": 10002,
        "scale_rate": 20,
        "processes": [],
        "redis_rtt": 2000,
        "budget_s": 540,
    },
    # Our server on 1, 2 and 4 daphne processes behind the same Redis and PostgreSQL,
    # on every CPU (the client stays on CPU1); steps of 10/s from the one-process knee.
    "scaleout": {
        "users": 334,
        "tabs": 3,
        "rates": [25, 50, 60, 70, 80, 90, 100, 120, 140, 160, 200, 300],
        "duration": 5.0,
        "grace": 4.0,
        "floor": False,
        "peer": False,
        "gc_compare": [],
        "scale_sockets": 0,
        "processes": [1, 2, 4],
        "redis_rtt": 2000,
        "budget_s": 420,
    },
}
P99_LIMIT_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenarios", default="standard", choices=sorted(SCENARIOS))
    parser.add_argument("--smoke", action="store_true", help="same as --scenarios smoke")
    parser.add_argument("--sockets", type=int, help="sockets for the ladder (users x tabs)")
    parser.add_argument("--users", type=int, help="users for the ladder")
    parser.add_argument("--rates", help="comma-separated notifications/s per step")
    parser.add_argument("--duration", type=float, help="seconds per step")
    parser.add_argument(
        "--gc-interval", default="5", help="GC_FREEZE_INTERVAL of the ladder server"
    )
    parser.add_argument(
        "--gc-compare", help="comma-separated rates for the GC on/off runs; '' = skip"
    )
    parser.add_argument(
        "--gc-unfreeze",
        type=float,
        default=0,
        help="also run the GC comparison with this GC_UNFREEZE_INTERVAL",
    )
    parser.add_argument("--scale", type=int, help="sockets for the scale run (0 = skip)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every daphne (repeatable), e.g. DB_CONN_MAX_AGE=0",
    )
    parser.add_argument(
        "--py-spy",
        type=float,
        metavar="RATE",
        help="record the ladder server with py-spy during the step at RATE (needs py-spy)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the raw websockets floor")
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--no-peer", action="store_true", help="skip the django-eventstream peer")
    peer.add_argument("--peer", action="store_true", help="run the peer in any scenario")
    parser.add_argument(
        "--peer-db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the peer's database (postgres: each open stream holds a connection)",
    )
    parser.add_argument(
        "--processes",
        metavar="N[,N...]",
        help="also run the ladder on N unpinned server processes (comma list; '' = none)",
    )
    parser.add_argument(
        "--skip-ladder",
        action="store_true",
        help="skip the one-process `django` ladder (e.g. with --processes)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin server/client to CPUs")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/<time>.json)")
    args = parser.parse_args()
    if args.smoke:
        args.scenarios = "smoke"
    return args


def config_from(args: argparse.Namespace) -> dict:
    config = dict(SCENARIOS[args.scenarios])
    if args.users:
        config["users"] = args.users
    if args.sockets:
        config["tabs"] = max(1, args.sockets // config["users"])
    if args.rates:
        config["rates"] = [float(r) for r in args.rates.split(",") if r]
    if args.duration:
        config["duration"] = args.duration
    if args.gc_compare is not None:
        config["gc_compare"] = [float(r) for r in args.gc_compare.split(",") if r]
    if args.scale is not None:
        config["scale_sockets"] = args.scale
    if args.no_floor:
        config["floor"] = False
    if args.no_peer:
        config["peer"] = False
    if args.peer:
        config["peer"] = True
    config["peer_db"] = args.peer_db
    if args.processes is not None:
        config["processes"] = [int(n) for n in args.processes.split(",") if n]
    if args.skip_ladder or args.scenarios == "scaleout":
        config["ladder"] = False
    return config


def git_state() -> dict:
    """The commit measured, and which tracked files differed from it (a dirty tree)."""

    def git(*argv: str) -> str:
        done = subprocess.run(
            ["git", *argv], cwd=REPO, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout

    return {
        "head": git("rev-parse", "HEAD").strip(),
        "dirty": [line[3:] for line in git("status", "--porcelain", "-uno").splitlines()],
    }


def machine_info() -> dict:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
    }


class Bench:
    def __init__(self, args: argparse.Namespace, config: dict, workdir: Path) -> None:
        self.args, self.config, self.workdir = args, config, workdir
        self.procs = Processes(workdir)
        self.cpu_server = None if args.no_pin else 0
        self.deadline = time.monotonic() + config["budget_s"]
        self.results: dict = {
            "scenario": args.scenarios,
            "config": config,
            "machine": machine_info(),
            "connects": [],
            "steps": [],
            "baselines": {},
            "server_env": args.server_env,
            "git": git_state(),
        }

    def sampler(self, *server_pids: int) -> Sampler:
        roles = {"server": list(server_pids), "client": [os.getpid()]}
        if self.redis_pid:
            roles["redis"] = [self.redis_pid]
        # Only the backends of our databases count as "postgres"; other suites' are "other".
        urls = []
        if self.procs.stack is not None:
            urls.append(self.procs.stack.env["DATABASE_URL"])
        if self.procs.peer_env:
            urls.append(self.procs.peer_env["PEER_DATABASE_URL"])
        databases = {Path(urlsplit(url).path).name for url in urls}
        keep = {"postgres": postgres_of(databases)}
        roles["postgres"] = pids_named("postgres", keep["postgres"])
        return Sampler(roles, by_name=("postgres",), keep=keep)

    async def run(self) -> dict:
        if not self.args.no_pin and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        self.results["fd_limit"] = raise_fd_limit()
        started = time.monotonic()
        self.redis_url, self.redis_pid = self.procs.redis()
        rtt = await round_trips(self.redis_url, self.config["redis_rtt"])
        self.results["baselines"]["redis_pubsub_rtt"] = rtt
        print(
            f"redis pub/sub round trip: p50 {rtt['p50_ms']:.3f} ms, p99 {rtt['p99_ms']:.3f} ms,"
            f" {rtt['per_second']:.0f}/s",
            flush=True,
        )
        if self.config["floor"]:
            await self.floor()
        self.signer = Signer(self.workdir / "sns-certs")
        self.procs.make_stack(
            self.redis_url,
            {
                "LOG_LEVEL": "WARNING",
                "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN,
                "SNS_CERT_DIR": str(self.workdir / "sns-certs"),
                "SNS_MAX_AGE_SECONDS": "600",
                **dict(item.split("=", 1) for item in self.args.server_env),
            },
        )
        users_needed = max(
            self.config["users"], -(-self.config["scale_sockets"] // self.config["tabs"])
        )
        t0 = time.monotonic()
        seed = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.seed",
            str(users_needed),
            env=self.procs.stack.env,
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await asyncio.wait_for(seed.communicate(), 300)
        if seed.returncode:
            raise SystemExit("bench.seed failed")
        self.accounts = [line.split(" ") for line in stdout.decode().splitlines()]
        print(
            f"setup: database and {users_needed} users with tokens in "
            f"{time.monotonic() - t0:.1f} s",
            flush=True,
        )

        gc_interval = self.args.gc_interval
        if self.config.get("ladder", True):
            await self.django(
                "django",
                self.config["users"],
                self.config["rates"],
                {"GC_FREEZE_INTERVAL": gc_interval},
                ladder_limit=P99_LIMIT_MS,
            )
        if self.config["peer"]:
            await self.peer()
            # The same work per notification as the peer's: 1 POST and 3 frames, no ack
            # (and so no `read` frames). SSE cannot carry an ack back.
            if self.config.get("ladder", True):
                await self.django(
                    "django-noack",
                    self.config["users"],
                    self.config["rates"],
                    {"GC_FREEZE_INTERVAL": gc_interval},
                    ladder_limit=P99_LIMIT_MS,
                    ack=False,
                )
        for n in self.config["processes"]:
            # Every pool may fill under load: keep processes x pool size well under
            # PostgreSQL's max_connections (100 here, shared with other suites).
            pool = min(20, 60 // n)
            await self.django(
                f"procs-{n}",
                self.config["users"],
                self.config["rates"],
                {"GC_FREEZE_INTERVAL": gc_interval, "DB_POOL_MAX_SIZE": str(pool)},
                ladder_limit=P99_LIMIT_MS,
                processes=n,
            )
        for rate_list, label, env in self.gc_runs():
            await self.django(
                label,
                self.config["users"],
                rate_list,
                env,
                ladder_limit=None,
                duration=self.config.get("gc_duration"),
            )
        if self.config["scale_sockets"]:
            users = -(-self.config["scale_sockets"] // self.config["tabs"])
            await self.django(
                f"django-{users * self.config['tabs']}",
                users,
                [self.config["scale_rate"]],
                {"GC_FREEZE_INTERVAL": gc_interval},
                ladder_limit=None,
            )
        self.results["elapsed_s"] = time.monotonic() - started
        return self.results

    def gc_runs(self) -> list:
        rates = self.config["gc_compare"]
        if not rates:
            return []
        runs = [
            (rates, "gc-off", {"GC_FREEZE_INTERVAL": "0"}),
            (rates, "gc-freeze-5s", {"GC_FREEZE_INTERVAL": "5"}),
        ]
        if self.args.gc_unfreeze:
            runs.append(
                (
                    rates,
                    f"gc-unfreeze-{self.args.gc_unfreeze:g}s",
                    {"GC_FREEZE_INTERVAL": "5", "GC_UNFREEZE_INTERVAL": str(self.args.gc_unfreeze)},
                )
            )
        return runs

    async def floor(self) -> None:
        process, port = self.procs.floor(self.cpu_server)
        hub = Hub()
        users, tabs = self.config["users"], self.config["tabs"]
        rss0 = rss_mb(process.pid)
        opened, seconds, failures = await open_tabs(
            hub,
            port,
            users,
            tabs,
            mode="floor",
            path_for=lambda u: f"/u/{u}",
            token_for=lambda u: None,
        )
        await asyncio.sleep(1)
        self.record_connects("floor", process.pid, len(opened), seconds, failures, rss0)
        control, _, _ = await open_tabs(
            Hub(), port, 1, 1, mode="floor", path_for=lambda u: "/ctl", token_for=lambda u: None
        )
        ctl = control[0]

        def prepare(plan: list) -> list:
            return [mask_frame(OP_TEXT, b"%d %d" % (seq, user)) for seq, user in plan]

        def fire(frame: bytes) -> None:
            ctl.transport.write(frame)

        target = Target(
            "floor", hub, users, tabs, prepare, fire, self.sampler(process.pid), process.pid
        )
        rows = await ladder(
            target,
            self.config["rates"],
            duration=self.config["duration"],
            grace=self.config["grace"],
            p99_limit_ms=P99_LIMIT_MS,
            deadline=self.deadline,
        )
        self.results["steps"].extend(rows)
        for tab in [*opened, ctl]:
            tab.close()
        self.procs.stop(process)

    async def django(
        self,
        label: str,
        users: int,
        rates: list,
        env: dict,
        *,
        ladder_limit: float | None,
        duration: float | None = None,
        processes: int = 0,
        ack: bool = True,
    ) -> None:
        """One ladder on our server.

        processes=0: one daphne, pinned to CPU0 unless --no-pin. processes=N: N daphnes, not
        pinned; each user's tabs spread over them and the webhook POSTs round-robin.
        ack=False: no tab acks, so each notification is the peer's work (1 POST, 3 frames).
        """
        if time.monotonic() + 30 > self.deadline:
            print(f"{label}: skipped, out of time budget", flush=True)
            return
        if processes:
            servers = [self.procs.daphne(env, None) for _ in range(processes)]
        else:
            servers = [self.procs.daphne(env, self.cpu_server)]
        pids = [process.pid for process, _ in servers]
        ports = [port for _, port in servers]
        count = len(servers)
        tabs = self.config["tabs"]
        posters = [Poster(port, "/webhooks/sns/", max_connections=16) for port in ports]
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-topic-arn": TOPIC_ARN,
        }

        def prepare(plan: list) -> list:
            out = []
            for seq, user in plan:
                name = self.accounts[user][0]
                message_id, body = self.signer.notification(notify_message(name, f"b {seq} {user}"))
                poster = posters[seq % count]
                request = poster.request(body, {**headers, "x-amz-sns-message-id": message_id})
                out.append((poster, request))
            return out

        def fire(payload: tuple) -> object:
            poster, request = payload
            return poster.post(request)

        # Warm up (imports, database connections) on users that have no socket yet.
        warm = prepare([(-1 - i, i % users) for i in range(5 * count)])
        for poster, request in warm:
            status = await poster.post(request)
            if status // 100 != 2:
                raise SystemExit(
                    f"webhook answered {status}: is POST /webhooks/sns/ in place? "
                    f"see {self.workdir}/daphne-{poster.port}.log"
                )
        await asyncio.sleep(1)
        hub = Hub()
        rss0 = sum(rss_mb(pid) for pid in pids)
        opened, seconds, failures = await open_tabs(
            hub,
            ports[0],
            users,
            tabs,
            mode="django",
            path_for=lambda u: "/ws/notifications/",
            token_for=lambda u: self.accounts[u][1],
            # Tab t of user u on process (u + t) mod N: a user's tabs on different processes.
            port_for=lambda tab_id: ports[(tab_id // tabs + tab_id % tabs) % count],
            ack=ack,
        )
        await asyncio.sleep(2)
        self.record_connects(label, pids, len(opened), seconds, failures, rss0)

        def http_errors(row: dict) -> None:
            statuses: dict[int, int] = {}
            for poster in posters:
                for status, n in poster.statuses.items():
                    statuses[status] = statuses.get(status, 0) + n
            bad = sum(n for st, n in statuses.items() if st // 100 != 2)
            bad += sum(poster.failures for poster in posters)
            row["http_errors"] = bad - self._http_bad
            self._http_bad = bad
            row["http_statuses"] = {st: n - self._statuses.get(st, 0) for st, n in statuses.items()}
            self._statuses = statuses
            row["target"] = label
            row["processes"] = count

        self._http_bad = 0
        self._statuses = {}
        http_errors({})  # the warm-up's statuses are not the first step's
        target = Target(
            label,
            hub,
            users,
            tabs,
            prepare,
            fire,
            self.sampler(*pids),
            pids[0],
            server_pids=pids,
        )
        rows = await ladder(
            target,
            rates,
            duration=duration or self.config["duration"],
            grace=self.config["grace"],
            p99_limit_ms=ladder_limit,
            deadline=self.deadline,
            extra=http_errors,
            before=self.profiler(pids[0]) if label == "django" else None,
        )
        self.results["steps"].extend(rows)
        for tab in opened:
            tab.close()
        for poster in posters:
            poster.close()
        await asyncio.sleep(0.5)
        for process, _ in servers:
            self.procs.stop(process)

    async def peer(self) -> None:
        """The django-eventstream peer: same users, tabs and rates; SSE instead of sockets."""
        label = "peer"
        if time.monotonic() + 30 > self.deadline:
            print(f"{label}: skipped, out of time budget", flush=True)
            return
        env = self.procs.make_peer(
            self.config["peer_db"], {"GC_FREEZE_INTERVAL": self.args.gc_interval}
        )
        process, port = self.procs.daphne(
            {}, self.cpu_server, app="bench.peer.asgi:application", base_env=env
        )
        users, tabs = self.config["users"], self.config["tabs"]
        secret = env["PEER_SECRET_KEY"]
        poster = Poster(port, "/notify/", max_connections=16)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {env['PEER_NOTIFY_TOKEN']}",
        }

        def prepare(plan: list) -> list:
            return [
                poster.request(
                    json.dumps({"user": user, "text": f"b {seq} {user}"}).encode(), headers
                )
                for seq, user in plan
            ]

        # Warm up on users that have no stream yet (they never get one: ids past the last).
        warm = [
            poster.request(json.dumps({"user": users + i, "text": "warm"}).encode(), headers)
            for i in range(5)
        ]
        statuses = [await poster.post(r) for r in warm]
        if any(s // 100 != 2 for s in statuses):
            raise SystemExit(f"peer answered {statuses}: see {self.workdir}/daphne-{port}.log")
        await asyncio.sleep(1)
        hub = Hub()
        rss0 = rss_mb(process.pid)
        opened, seconds, failures = await open_streams(
            hub, port, users, tabs, path="/events/", token_for=lambda u: stream_token(secret, u)
        )
        await asyncio.sleep(2)
        self.record_connects(label, [process.pid], len(opened), seconds, failures, rss0)

        def http_errors(row: dict) -> None:
            bad = sum(n for s, n in poster.statuses.items() if s // 100 != 2) + poster.failures
            row["http_errors"] = bad - self._http_bad
            self._http_bad = bad
            row["http_statuses"] = {
                s: n - self._statuses.get(s, 0) for s, n in poster.statuses.items()
            }
            self._statuses = dict(poster.statuses)
            row["target"] = label
            row["peer_db"] = self.config["peer_db"]

        self._http_bad = 0
        self._statuses = dict(poster.statuses)
        target = Target(
            label, hub, users, tabs, prepare, poster.post, self.sampler(process.pid), process.pid
        )
        rows = await ladder(
            target,
            self.config["rates"],
            duration=self.config["duration"],
            grace=self.config["grace"],
            p99_limit_ms=P99_LIMIT_MS,
            deadline=self.deadline,
            extra=http_errors,
        )
        self.results["steps"].extend(rows)
        for stream in opened:
            stream.close()
        poster.close()
        await asyncio.sleep(0.5)
        self.procs.stop(process)

    def profiler(self, pid: int):
        rate_wanted = self.args.py_spy
        if not rate_wanted:
            return None
        py_spy = Path(sys.executable).parent / "py-spy"

        def before(rate: float, duration: float) -> None:
            if rate != rate_wanted:
                return
            out = RESULTS / f"py-spy-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{rate:g}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            argv = [
                str(py_spy),
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--duration",
                str(int(duration)),
                "--output",
                str(out),
                "--nonblocking",
            ]
            self.procs.spawn(argv, "py-spy")
            self.results["py_spy"] = str(out)

        return before

    def record_connects(
        self,
        label: str,
        pids: int | list[int],
        sockets: int,
        seconds: float,
        failures: int,
        rss0: float,
    ) -> None:
        pids = pids if isinstance(pids, list) else [pids]
        rss1 = sum(rss_mb(pid) for pid in pids)
        row = {
            "target": label,
            "sockets": sockets,
            "failures": failures,
            "seconds": seconds,
            "connects_per_s": sockets / max(seconds, 1e-9),
            "rss_before_mb": rss0,
            "rss_idle_mb": rss1,
            "kb_per_socket": 1024 * (rss1 - rss0) / max(sockets, 1),
            "server_threads": sum(threads(pid) for pid in pids),
        }
        self.results["connects"].append(row)
        print(
            f"{label}: {sockets} sockets ready in {seconds:.2f} s "
            f"({row['connects_per_s']:.0f}/s, {failures} failed), RSS {rss0:.0f} -> "
            f"{rss1:.0f} MB ({row['kb_per_socket']:.1f} KB/socket), "
            f"{row['server_threads']} server threads",
            flush=True,
        )


def threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def main() -> int:
    args = parse_args()
    config = config_from(args)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    bench = Bench(args, config, workdir)
    try:
        results = asyncio.run(bench.run())
    finally:
        bench.procs.close()
    print()
    print(report.table(results))
    out = args.out or RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{args.scenarios}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nJSON: {out}\nserver logs: {workdir}")
    if args.scenarios == "smoke":
        bad = report.unclean(results)
        if bad:
            print("SMOKE FAILED: " + "; ".join(bad))
            return 1
        print("smoke: clean (nothing lost, duplicated or misrouted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
