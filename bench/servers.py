"""The processes under test: a private Redis, daphne on the e2e Stack, the floor server.

A private Redis keeps our group names (user ids of our own database) apart from any other
suite publishing on a shared Redis: pub/sub channels ignore the Redis database number.
"""

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.servers import REPO, Stack, free_port, wait_for_port

TASKSET = shutil.which("taskset")


def pinned(cpu: int | None, argv: list[str]) -> list[str]:
    if cpu is None or TASKSET is None or (os.cpu_count() or 1) <= cpu:
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

    def daphne(self, env_overrides: dict, cpu: int | None = 0) -> tuple[subprocess.Popen, int]:
        assert self.stack is not None
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
            "project.asgi:application",
        ]
        env = {**self.stack.env, **env_overrides}
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
