"""A `Stack`: one deployment for a test or a benchmark, a database of its own (migrated),
optional Redis, and any number of server processes (harness/servers.py starts them).

The database follows DATABASE_URL: a fresh PostgreSQL database when it points at
PostgreSQL (psycopg is imported only then), else a SQLite file in the work folder.
pytest-django's test database is invisible to other processes, so the tests that use a
Stack never use it.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.servers import REPO, Children


class Stack:
    """One deployment: a database, optional Redis, and any number of server processes."""

    def __init__(
        self, workdir: Path, *, redis_url: str | None = None, extra_env: dict | None = None
    ) -> None:
        self.workdir = workdir
        self.children = Children(workdir)
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

    def start_server(
        self,
        port: int | None = None,
        *,
        args: tuple[str, ...] = (),
        server: str = "daphne",
        env: dict | None = None,
        cpu: int | str | None = None,
        quiet: bool = False,
        app: str = "project.asgi:application",
    ) -> int:
        """Start one server of this stack (its environment plus `env`); return its port."""
        process, port = self.children.serve(
            app,
            {**self.env, **(env or {})},
            server=server,
            port=port,
            args=args,
            cpu=cpu,
            quiet=quiet,
        )
        self.servers.append((process, port))
        return port

    def process_of(self, port: int) -> subprocess.Popen:
        return next(process for process, p in reversed(self.servers) if p == port)

    def kill_server(self, port: int, sig: int = signal.SIGKILL) -> None:
        for process, p in self.servers:
            if p == port:
                process.send_signal(sig)
                process.wait(timeout=20)

    def stop_server(self, port: int) -> None:
        Children.stop(self.process_of(port))

    def close(self) -> None:
        for process, _ in self.servers:
            Children.stop(process, timeout=10)
        self.children.close()
        if self._pg_name:
            import psycopg

            # A backend may still be closing after its server stopped: retry briefly.
            deadline = time.monotonic() + 30
            while True:
                try:
                    with psycopg.connect(self._pg_admin, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
                    break
                except psycopg.Error:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)
            self._pg_name = ""
