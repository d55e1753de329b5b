"""The processes under test: a private Redis, daphne on the e2e Stack, the floor server,
and the peer (django-eventstream, bench/peer/) on a database of its own.

A private Redis keeps our group names (user ids of our own database) apart from any other
suite publishing on a shared Redis: pub/sub channels ignore the Redis database number.
"""

import os
import resource
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.e2e.servers import REPO, Stack, free_port, wait_for_port

TASKSET = shutil.which("taskset")


def pinned(cpu: int | None, argv: list[str]) -> list[str]:
    """Run argv on CPU `cpu`, or on every CPU when None.

    A child inherits the CPU affinity of the bench, which pins itself to CPU1: without an
    explicit mask an "unpinned" server would share CPU1 with the client.
    """
    cores = os.cpu_count() or 1
    if TASKSET is None:
        return argv
    if cpu is None:
        return [TASKSET, "-c", f"0-{cores - 1}", *argv]
    if cores <= cpu:
        return argv
    return [TASKSET, "-c", str(cpu), *argv]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


class Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.children: list[subprocess.Popen] = []
        self.stack: Stack | None = None
        self.peer_env: dict | None = None
        self._peer_pg: tuple[str, str] | None = None  # (admin URL, database name)

    def spawn(self, argv: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.children.append(process)
        return process

    def redis(self) -> tuple[str, int]:
        """A private redis-server if one is installed, else REDIS_URL; returns (url, pid)."""
        binary = shutil.which("redis-server")
        if binary is None:
            url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
            return url, 0
        port = free_port()
        process = self.spawn(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            "redis",
        )
        wait_for_port(port, process=process)
        return f"redis://127.0.0.1:{port}/0", process.pid

    def make_stack(self, redis_url: str, extra_env: dict) -> Stack:
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        self.stack = Stack(self.workdir / "stack", redis_url=redis_url, extra_env=extra_env)
        return self.stack

    def make_peer(self, database: str, extra_env: dict) -> dict:
        """The peer project's environment, its database created and migrated.

        database: "sqlite" (a file in the work folder) or "postgres" (a fresh database
        next to ours, dropped at the end).
        """
        if database == "postgres":
            base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
            import psycopg

            admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
            name = "peer_" + uuid.uuid4().hex[:12]
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self._peer_pg = (admin, name)
            url = urlunsplit(urlsplit(base)._replace(path="/" + name))
        else:
            url = f"sqlite:///{self.workdir / 'peer.sqlite3'}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.peer.settings",
            "PEER_SECRET_KEY": secrets.token_urlsafe(32),
            "PEER_NOTIFY_TOKEN": secrets.token_urlsafe(32),
            "PEER_DATABASE_URL": url,
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        result = subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"peer migrate failed:\n{result.stderr}")
        self.peer_env = env
        return env

    def daphne(
        self,
        env_overrides: dict,
        cpu: int | None = 0,
        *,
        app: str = "project.asgi:application",
        base_env: dict | None = None,
    ) -> tuple[subprocess.Popen, int]:
        if base_env is None:
            assert self.stack is not None
            base_env = self.stack.env
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "daphne",
            "-v",
            "0",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            app,
        ]
        env = {**base_env, **env_overrides}
        process = self.spawn(pinned(cpu, argv), f"daphne-{port}", env)
        wait_for_port(port, timeout=60, process=process)
        return process, port

    def floor(self, cpu: int | None = 0) -> tuple[subprocess.Popen, int]:
        port = free_port()
        process = self.spawn(
            pinned(cpu, [sys.executable, "-m", "bench.floor", str(port)]), f"floor-{port}"
        )
        wait_for_port(port, process=process)
        return process, port

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def close(self) -> None:
        for process in reversed(self.children):
            self.stop(process)
        if self.stack is not None:
            self.stack.servers = []
            deadline = time.monotonic() + 30
            while True:
                try:
                    self.stack.close()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)
        if self._peer_pg is not None:
            import psycopg

            admin, name = self._peer_pg
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._peer_pg = None
