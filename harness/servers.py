"""Real server processes, for the load tool and the end-to-end and reliability tests.

Free ports, readiness, stop, one log file per process; daphne or uvicorn on an ASGI app; a
private Redis. A deployment of them with a database of its own is a `Stack`
(harness/stack.py). The one harness: `tests/` imports it, and it imports nothing from
`tests/`.
"""

import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# "procfile": the Procfile's `web:` command as it stands (the deployed shape).
SERVERS = ("procfile", "daphne", "uvicorn")
PROCFILE_APP = "project.asgi:application"
TASKSET = shutil.which("taskset")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20, process: subprocess.Popen | None = None) -> None:
    """Return once something accepts on `port`; raise if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


def pinned(cpu: int | str, argv: list[str]) -> list[str]:
    """Run argv on CPU `cpu`, or on every CPU when "all".

    A child inherits the CPU affinity of its parent (the bench pins itself to CPU1):
    without an explicit mask an "unpinned" server would share CPU1 with the client.
    """
    cores = os.cpu_count() or 1
    if TASKSET is None:
        return argv
    if cpu == "all":
        return [TASKSET, "-c", f"0-{cores - 1}", *argv]
    if not isinstance(cpu, int) or cores <= cpu:
        return argv
    return [TASKSET, "-c", str(cpu), *argv]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def server_argv(
    server: str, app: str, port: int, args: tuple[str, ...] = (), *, quiet: bool = False
) -> list[str]:
    """The command line of one ASGI server on 127.0.0.1:port.

    procfile runs the Procfile's `web:` line itself (`procfile_web`), flags and all.
    uvicorn runs as the Makefile's `WEB_SERVER=uvicorn` does: uvloop, httptools, the
    sans-I/O websockets protocol, no permessage-deflate (daphne never negotiates it, and
    it costs ~90 KB per socket), no access log, no lifespan (Channels has none), and
    keep-alive connections kept 75 s: uvicorn's default of 5 s closes a POST connection
    between two steps, racing the next request on it (a load balancer keeps them longer).
    """
    if server == "procfile":
        return procfile_web(app, port, args)
    if server == "daphne":
        verbosity = ("-v", "0") if quiet else ()
        return [
            sys.executable, "-m", "daphne", *verbosity, "-b", "127.0.0.1", "-p", str(port),
            *args, app,
        ]  # fmt: skip
    if server == "daphne-uvloop":
        return [
            sys.executable, "-m", "bench.daphne_uvloop", *(("-v", "0") if quiet else ()),
            "-b", "127.0.0.1", "-p", str(port), *args, app,
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
            *UVICORN_OPTIONS, *(("--log-level", "warning") if quiet else ()), *args, app,
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}: one of {SERVERS}")


def procfile_web(app: str, port: int, args: tuple[str, ...] = ()) -> list[str]:
    """The Procfile's `web:` command with $PORT substituted, as a process manager runs it.

    Only the program is resolved to this interpreter's copy (the venv's daphne) and, for
    another app (the floor), the app argument swapped; `args` go just before the app.
    """
    lines = (REPO / "Procfile").read_text().splitlines()
    line = next(line for line in lines if line.startswith("web:"))
    argv = shlex.split(line.removeprefix("web:").replace("$PORT", str(port)))
    argv[0] = shutil.which(argv[0], path=str(Path(sys.executable).parent)) or argv[0]
    at = argv.index(PROCFILE_APP)
    return [*argv[:at], *args, app, *argv[at + 1 :]]


UVICORN_OPTIONS = (
    "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
    "--ws-per-message-deflate", "false", "--no-access-log", "--lifespan", "off",
    "--timeout-keep-alive", "75",
)  # fmt: skip


class Children:
    """Processes started here, each logging to `<workdir>/<name>.log`; close() stops all."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.children: list[subprocess.Popen] = []

    def spawn(
        self, argv: list[str], name: str, env: dict | None = None, cwd: Path = REPO
    ) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.children.append(process)
        return process

    def serve(
        self,
        app: str,
        env: dict,
        *,
        server: str = "daphne",
        port: int | None = None,
        args: tuple[str, ...] = (),
        cpu: int | str | None = None,
        quiet: bool = False,
        timeout: float = 60,
        cwd: Path = REPO,
    ) -> tuple[subprocess.Popen, int]:
        """Start `server` on `app` and wait until it listens.

        cpu: a CPU number or "all" (see `pinned`); None: no mask, the parent's affinity.
        cwd: the checkout whose code it runs (the server imports the app from there).
        """
        chosen = port
        for attempt in range(3):
            port = chosen or free_port()
            argv = server_argv(server, app, port, args, quiet=quiet)
            if cpu is not None:
                argv = pinned(cpu, argv)
            process = self.spawn(argv, f"{server}-{port}", env, cwd)
            try:
                wait_for_port(port, timeout=timeout, process=process)
            except RuntimeError:
                # A free port of ours may be taken by another suite before the server
                # binds it (the Procfile binds 0.0.0.0): try another, unless one was asked.
                if chosen or attempt == 2:
                    raise
                continue
            return process, port
        raise AssertionError("unreachable")

    @staticmethod
    def stop(process: subprocess.Popen, timeout: float = 15) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def close(self) -> None:
        for process in reversed(self.children):
            self.stop(process)


class RedisServer:
    """A Redis of its own, on its own port, that may be stopped and started again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
