"""Real server processes for end-to-end tests: a database of their own, daphne, manage.py.

The database follows DATABASE_URL: a fresh PostgreSQL database when it points at
PostgreSQL, else a SQLite file in a temporary folder. pytest-django's test database is
invisible to other processes, so these tests never use it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20, process: subprocess.Popen | None = None) -> None:
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


class Stack:
    """One deployment: a database, optional Redis, and any number of daphne processes."""

    def __init__(
        self, workdir: Path, *, redis_url: str | None = None, extra_env: dict | None = None
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.servers: list[tuple[subprocess.Popen, int]] = []
        self._pg_name = ""
        self.env = {
            **os.environ,
            "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
            "DEBUG": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self._database_url(),
            # None: whatever the suite runs on (CI sets REDIS_URL); "": the in-memory layer.
            "REDIS_URL": os.environ.get("REDIS_URL", "") if redis_url is None else redis_url,
            "MEDIA_ROOT": str(workdir / "media"),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.manage("migrate", "--noinput", "-v0")

    def _database_url(self) -> str:
        base = os.environ.get("DATABASE_URL", "")
        if not base.startswith(("postgres://", "postgresql://")):
            return f"sqlite:///{self.workdir / 'e2e.sqlite3'}"
        import psycopg

        # CREATE DATABASE from the maintenance database: the named one may not exist.
        self._pg_admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        self._pg_name = "e2e_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self._pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._pg_name}"')
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path="/" + self._pg_name))

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout.strip()

    def create_user(self, username: str, password: str) -> None:
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({username!r}, password={password!r})",
        )

    def start_server(self, port: int | None = None, *, args: tuple[str, ...] = ()) -> int:
        port = port or free_port()
        log = open(self.workdir / f"daphne-{port}.log", "ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                *args,
                "project.asgi:application",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.servers.append((process, port))
        wait_for_port(port, process=process)
        return port

    def kill_server(self, port: int, sig: int = signal.SIGKILL) -> None:
        for process, p in self.servers:
            if p == port:
                process.send_signal(sig)
                process.wait(timeout=20)

    def close(self) -> None:
        for process, _ in self.servers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self._pg_name:
            import psycopg

            with psycopg.connect(self._pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')


class Session:
    """A logged-in browser-like HTTP session (cookies and CSRF) against one server."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(f"{base_url}/accounts/login/", timeout=10).read()
        self.post("/accounts/login/", {"username": username, "password": password})
        if "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed")

    @property
    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar}

    def post(self, path: str, data: dict | None = None) -> tuple[int, bytes]:
        import urllib.error
        import urllib.parse
        import urllib.request

        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(data or {}).encode(),
            headers={"X-CSRFToken": self.cookies.get("csrftoken", "")},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
