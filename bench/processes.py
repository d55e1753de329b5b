"""The processes under test, on the shared harness (harness/servers.py, stack.py): a private Redis,
our app on a Stack, the Channels floor, and the peer (django-eventstream, bench/peer/)
on a database of its own.

A private Redis keeps our group names (user ids of our own database) apart from any other
suite publishing on a shared Redis: pub/sub channels ignore the Redis database number.
"""

import os
import secrets
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.servers import REPO, Children, RedisServer
from harness.stack import Stack


class Processes(Children):
    def __init__(self, workdir: Path, *, server_args: tuple[str, ...] = ()) -> None:
        super().__init__(workdir)
        self.server_args = server_args
        self.stack: Stack | None = None
        self.peer_env: dict | None = None
        self._redis: RedisServer | None = None
        self._peer_pg: tuple[str, str] | None = None  # (admin URL, database name)

    def redis(self) -> tuple[str, int]:
        """A private redis-server if one is installed, else REDIS_URL; returns (url, pid)."""
        if shutil.which("redis-server") is None:
            return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), 0
        self._redis = RedisServer(self.workdir)
        self._redis.start()
        assert self._redis.process is not None
        return self._redis.url, self._redis.process.pid

    def make_stack(self, redis_url: str, extra_env: dict) -> Stack:
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        self.stack = Stack(self.workdir / "stack", redis_url=redis_url, extra_env=extra_env)
        return self.stack

    def ours(
        self, env: dict, cpu: int | str, server: str = "daphne", *, code: Path = REPO
    ) -> tuple[subprocess.Popen, int]:
        """Our app on `server`; `code`: the checkout to run (`export` for another commit)."""
        assert self.stack is not None
        return self.serve(
            "project.asgi:application",
            {**self.stack.env, **env},
            server=server,
            args=self.server_args,
            cpu=cpu,
            quiet=True,
            cwd=code,
        )

    def export(self, ref: str) -> Path:
        """The tree of commit `ref` in the work folder (git archive), to run it beside HEAD.

        Same database and migrations: compare commits that share the schema.
        """
        out = self.workdir / f"code-{ref.replace('/', '_')}"
        out.mkdir()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref], cwd=REPO, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
        return out

    def floor(self, redis_url: str, env: dict, cpu: int | str, server: str = "daphne"):
        env = {**os.environ, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1", **env}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return self.serve(
            "bench.floor.asgi:application",
            env,
            server=server,
            args=self.server_args,
            cpu=cpu,
            quiet=True,
        )

    def peer(self, env: dict, cpu: int | str) -> tuple[subprocess.Popen, int]:
        return self.serve(
            "bench.peer.asgi:application", env, args=self.server_args, cpu=cpu, quiet=True
        )

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

    def close(self) -> None:
        super().close()
        if self.stack is not None:
            self.stack.close()
        if self._redis is not None:
            self._redis.stop()
        if self._peer_pg is not None:
            import psycopg

            admin, name = self._peer_pg
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._peer_pg = None
