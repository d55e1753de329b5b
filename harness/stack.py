"""A `Stack`: one deployment for a test or a benchmark, a database of its own (migrated),
optional Redis, and any number of server processes (harness/servers.py starts them).

The database follows DATABASE_URL: a fresh PostgreSQL database when it points at
PostgreSQL (psycopg is imported only then), else a SQLite file in the work folder.
pytest-django's test database is invisible to other processes, so the tests that use a
Stack never use it.

A Stack given `template=` (another Stack, migrated and left unused) copies that one's
database instead of migrating its own: `migrate` starts Django and runs every migration
(seconds, per browser test), a copy of a freshly migrated database is the same database
in a fraction of a second (CREATE DATABASE … TEMPLATE, or SQLite's backup).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.servers import REPO, Children

_HASHES: dict[tuple[str, str], str] = {}


def _password_hash(stack: "Stack", password: str) -> str:
    """Django's hash of `password` under the stack's settings (its hasher, its rounds),
    made once per password and settings module in this process."""
    key = (password, stack.env.get("DJANGO_SETTINGS_MODULE", ""))
    if key not in _HASHES:
        # The last line: `shell` first says how many objects it imported.
        _HASHES[key] = stack.manage(
            "shell",
            "-c",
            "import sys; from django.contrib.auth.hashers import make_password; "
            "print(make_password(sys.stdin.read()))",
            stdin=password,
        ).splitlines()[-1]
    return _HASHES[key]


class Stack:
    """One deployment: a database, optional Redis, and any number of server processes."""

    def __init__(
        self,
        workdir: Path,
        *,
        redis_url: str | None = None,
        extra_env: dict | None = None,
        template: "Stack | None" = None,
    ) -> None:
        self.workdir = workdir
        self.children = Children(workdir)
        self.servers: list[tuple[subprocess.Popen, int]] = []
        self._pg_name = ""
        self._template = template
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
        if template is None:
            self.manage("migrate", "--noinput", "-v0")

    def _database_url(self) -> str:
        base = os.environ.get("DATABASE_URL", "")
        template = self._template
        if not base.startswith(("postgres://", "postgresql://")):
            path = self.workdir / "e2e.sqlite3"
            if template is not None:
                # The backup API copies a consistent database, whatever its journal mode.
                with (
                    closing(sqlite3.connect(template.sqlite_path)) as source,
                    closing(sqlite3.connect(path)) as copy,
                ):
                    source.backup(copy)
            return f"sqlite:///{path}"
        import psycopg

        # CREATE DATABASE from the maintenance database: the named one may not exist.
        self._pg_admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        self._pg_name = "e2e_" + uuid.uuid4().hex[:12]
        # A template must have no session open: nothing uses the template Stack's database.
        copy = f' TEMPLATE "{template._pg_name}"' if template is not None else ""
        with psycopg.connect(self._pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._pg_name}"{copy}')
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path="/" + self._pg_name))

    @property
    def sqlite_path(self) -> Path:
        return Path(urlsplit(self.env["DATABASE_URL"]).path)

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout.strip()

    def create_user(self, username: str, password: str) -> None:
        """The row `User.objects.create_user(username, password=password)` writes.

        By SQL: a `manage.py shell` per user costs a Django start (a second or more, for
        every user of every browser test). The hash is Django's own, made by the stack's
        settings (once per password), so a login checks it as it would a
        hash create_user made and finds nothing to upgrade; no receiver acts on a new user
        (accounts/signals.py reacts to changed credentials only).
        """
        row = (_password_hash(self, password), username, datetime.now(UTC))
        columns = (
            "password, last_login, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined"
        )
        if not self._pg_name:
            stamp = row[2].replace(tzinfo=None).isoformat(" ")
            with closing(sqlite3.connect(self.sqlite_path)) as conn, conn:
                conn.execute(
                    f"INSERT INTO auth_user ({columns})"
                    " VALUES (?, NULL, 0, ?, '', '', '', 0, 1, ?)",
                    (*row[:2], stamp),
                )
            return
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(
                f"INSERT INTO auth_user ({columns})"
                " VALUES (%s, NULL, false, %s, '', '', '', false, true, %s)",
                row,
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
