"""One run of the load tool: start the shared processes, drive each target, keep results.

The order: Redis round trips; per server, the Channels floor then ours (so every figure
of ours has a floor measured minutes apart on the same machine); the peer and ours
without acks; N-process ladders; GC comparisons; the 10,002-socket run.
"""

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import targets
from bench.machine import git_state, machine_info, threads
from bench.processes import Processes
from bench.procstat import Sampler, pids_named, postgres_of, rss_mb
from bench.redis_rtt import round_trips
from bench.scenarios import P99_LIMIT_MS
from bench.sns import TOPIC_ARN, Signer

RESULTS = Path(__file__).resolve().parent / "results"


class Run:
    def __init__(self, args: argparse.Namespace, config: dict, workdir: Path) -> None:
        self.args, self.config, self.workdir = args, config, workdir
        self.procs = Processes(workdir, server_args=tuple(args.server_arg))
        self.cpu_server: int | str = "all" if args.no_pin else 0
        self.p99_limit = P99_LIMIT_MS
        self.deadline = time.monotonic() + config["budget_s"]
        self.redis_url, self.redis_pid = "", 0
        self.accounts: list[list[str]] = []
        self.results: dict = {
            "scenario": args.scenarios,
            "config": config,
            "machine": machine_info(),
            "connects": [],
            "steps": [],
            "baselines": {},
            "server_env": args.server_env,
            "server_args": args.server_arg,
            "git": git_state(),
        }

    def out_of_time(self, label: str) -> bool:
        if time.monotonic() + 30 > self.deadline:
            print(f"{label}: skipped, out of time budget", flush=True)
            return True
        return False

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
        keep = {"postgres": postgres_of({Path(urlsplit(url).path).name for url in urls})}
        roles["postgres"] = pids_named("postgres", keep["postgres"])
        threads_of = server_pids[0] if len(server_pids) == 1 else None
        return Sampler(roles, by_name=("postgres",), keep=keep, threads_of=threads_of)

    async def run(self) -> dict:
        if not self.args.no_pin and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        started = time.monotonic()
        self.redis_url, self.redis_pid = self.procs.redis()
        rtt = await round_trips(self.redis_url, self.config["redis_rtt"])
        self.results["baselines"]["redis_pubsub_rtt"] = rtt
        print(
            f"redis pub/sub round trip: p50 {rtt['p50_ms']:.3f} ms, p99 {rtt['p99_ms']:.3f} ms,"
            f" {rtt['per_second']:.0f}/s",
            flush=True,
        )
        await self.setup_ours()
        if self.config.get("storm"):
            from bench.storm import storm_scenario

            await storm_scenario(self)
            self.results["elapsed_s"] = time.monotonic() - started
            return self.results
        if self.args.compare:
            self.base_code = self.procs.export(self.args.compare)
            self.results["compare"] = self.args.compare
        config, gc_env = self.config, self.gc_env()
        users, rates = config["users"], config["rates"]
        first = config["servers"][0]
        for server in config["servers"]:
            # Round k > 1 is labelled `<target>@<server>#k`, and compared with its own floor.
            for k in range(1, self.args.rounds + 1):
                tail = f"#{k}" if k > 1 else ""
                if config["floor"]:
                    await targets.floor(self, server, tail)
                if config.get("ladder", True):
                    await targets.ours(
                        self, f"ours@{server}{tail}", users, rates, gc_env,
                        server=server, ladder_limit=P99_LIMIT_MS,
                    )  # fmt: skip
                if self.args.compare:
                    # A commit to compare with: the same ladder on its code, right after.
                    await targets.ours(
                        self, f"base@{server}{tail}", users, rates, gc_env,
                        server=server, ladder_limit=P99_LIMIT_MS, code=self.base_code,
                    )  # fmt: skip
        if config["peer"]:
            await targets.peer(self)
            # The peer's work per notification: 1 POST and 3 frames, no ack (and so no
            # `read` frames): SSE cannot carry an ack back.
            await targets.ours(
                self, f"ours-noack@{first}", users, rates, gc_env,
                server=first, ladder_limit=P99_LIMIT_MS, ack=False,
            )  # fmt: skip
        for n in config["processes"]:
            # Every pool may fill under load: keep processes x pool size well under
            # PostgreSQL's max_connections (100 here, shared with other suites).
            await targets.ours(
                self, f"procs-{n}@{first}", users, rates, gc_env,
                server=first, ladder_limit=P99_LIMIT_MS, processes=n,
            )  # fmt: skip
        for label, env in self.gc_runs():
            await targets.ours(
                self, label, users, config["gc_compare"], env,
                server=first, ladder_limit=None, duration=config.get("gc_duration"),
            )  # fmt: skip
        if config["scale_sockets"]:
            scale_users = -(-config["scale_sockets"] // config["tabs"])
            await targets.ours(
                self, f"ours-{scale_users * config['tabs']}@{first}", scale_users,
                [config["scale_rate"]], gc_env, server=first, ladder_limit=None,
            )  # fmt: skip
        self.results["elapsed_s"] = time.monotonic() - started
        return self.results

    async def setup_ours(self) -> None:
        """Our database, migrated, with enough users and tokens for every run."""
        self.signer = Signer(self.workdir / "sns-certs")
        self.procs.make_stack(
            self.redis_url,
            {
                # The deployment's own configuration of SNS, nothing else: default
                # settings otherwise (log level, pools, GC), as the Procfile runs them.
                "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN,
                "SNS_CERT_DIR": str(self.workdir / "sns-certs"),
                "SNS_MAX_AGE_SECONDS": "600",
                **dict(item.split("=", 1) for item in self.args.server_env),
            },
        )
        config = self.config
        users_needed = max(config["users"], -(-config["scale_sockets"] // config["tabs"]))
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

    def gc_env(self) -> dict:
        """GC_FREEZE_INTERVAL for every server when --gc-interval asks; else the default."""
        if self.args.gc_interval is None:
            return {}
        return {"GC_FREEZE_INTERVAL": self.args.gc_interval}

    def gc_runs(self) -> list[tuple[str, dict]]:
        if not self.config["gc_compare"]:
            return []
        runs = [
            ("gc-off@daphne", {"GC_FREEZE_INTERVAL": "0"}),
            ("gc-freeze-5s@daphne", {"GC_FREEZE_INTERVAL": "5"}),
        ]
        if self.args.gc_unfreeze:
            every = self.args.gc_unfreeze
            env = {"GC_FREEZE_INTERVAL": "5", "GC_UNFREEZE_INTERVAL": str(every)}
            runs.append((f"gc-unfreeze-{every:g}s@daphne", env))
        return runs

    def profiler(self, pid: int):
        """A `before` hook that records `pid` with py-spy during the step at --py-spy RATE."""
        rates_wanted = {float(r) for r in (self.args.py_spy or "").split(",") if r}
        if not rates_wanted:
            return None
        py_spy = Path(sys.executable).parent / "py-spy"

        def before(rate: float, duration: float) -> None:
            if rate not in rates_wanted:
                return
            out = RESULTS / f"py-spy-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{rate:g}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            argv = [
                str(py_spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                "--duration", str(int(duration)), "--output", str(out), "--nonblocking",
            ]  # fmt: skip
            self.procs.spawn(argv, "py-spy")
            self.results.setdefault("py_spy", []).append(str(out))

        return before

    def record_connects(
        self,
        label: str,
        pids: list[int],
        sockets: int,
        seconds: float,
        failures: int,
        rss0: float,
    ) -> None:
        rss1 = sum(rss_mb(pid) for pid in pids)
        row = {
            "target": label,
            "sockets": sockets,
            "failures": failures,
            "seconds": seconds,
            "connects_per_s": sockets / max(seconds, 1e-9),
            "rss_before_mb": rss0,
            "rss_idle_mb": rss1,
            "kb_per_socket": 1024 * (rss1 - rss0) / sockets if sockets else float("nan"),
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
