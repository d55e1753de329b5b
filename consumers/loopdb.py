"""The handshake's reads on the event loop itself: psycopg's async connection (PostgreSQL).

A socket's handshake reads the session and its user, then (after the group join) the
unread set. On a thread each read is a hop: a queue put, a thread woken, the GIL handed
over and back, a callback into the loop; at a reconnect storm's rate those hops, not
the statements, were most of what a connect cost above the Channels floor (issue 17.2).
Here the same plans (sqlreads) run on up to `CONNECTIONS` `psycopg.AsyncConnection`s of
this loop: a statement is sent and the loop serves other sockets until its rows come.

The connections are made as Django makes its own (its connection parameters and
adapters, so values convert alike), in autocommit (a read holds no transaction), and
closed after `IDLE_CLOSE` seconds without work. A connection that fails is closed and
the read tried once more on a new one, so a database restart costs no handshake more
than it must; one whose read was cancelled (daphne cancels handshakes past its timeout)
is closed too, its state being unknown. Other databases (SQLite, the embedded default)
keep the threads (consumers/readers.py).
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import DatabaseError, connections

from sqlreads import Plan, Read, dialect
from sqlreads.reads import finish, statement

logger = logging.getLogger(__name__)

T = TypeVar("T")

CONNECTIONS = 2  # as the socket readers: enough for round trips to overlap
IDLE_CLOSE = 1.0  # seconds without work before a connection is closed


class LoopDatabase:
    """Async connections of one event loop, handed out one read at a time."""

    def __init__(self, size: int = CONNECTIONS, using: str = "default") -> None:
        self.size = size
        self.using = using
        self.loop: asyncio.AbstractEventLoop | None = None
        self.idle: list[tuple[psycopg.AsyncConnection, float]] = []
        self.slots: asyncio.Semaphore | None = None
        self.reaper: asyncio.TimerHandle | None = None

    def usable(self) -> bool:
        """Can reads run here? PostgreSQL only (psycopg 3)."""
        return dialect(self.using).vendor == "postgresql"

    def _bind(self) -> None:
        """Connections belong to one loop: a new loop (a test's) starts afresh."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.release()
            self.loop, self.slots = loop, asyncio.Semaphore(self.size)

    async def _connect(self) -> psycopg.AsyncConnection:
        # A wrapper of its own, not `connections[...]` (one per task here), read now: the
        # settings may have changed since (a test database's name).
        params = connections.create_connection(self.using).get_connection_params()
        params.pop("pool", None)
        params["cursor_factory"] = psycopg.AsyncClientCursor  # Django binds on the client too
        return await psycopg.AsyncConnection.connect(autocommit=True, **params)

    async def fetch(self, reads: Sequence[Read[Any]]) -> list[Any]:
        """Run `reads` in one round trip: their values, in order."""
        if not any(read.sql for read in reads):
            return finish(reads, [])
        self._bind()
        assert self.slots is not None
        async with self.slots:
            held = self.idle.pop()[0] if self.idle else None
            try:
                connection = held or await self._connect()
            except psycopg.Error as exc:
                raise DatabaseError(str(exc)) from exc
            try:
                results = await self._execute(connection, reads)
            except psycopg.OperationalError:
                await self._close(connection)
                if held is None:
                    raise
                # It may have died while idle (a database restart): once more, on a new one.
                logger.info("loop read failed on a held connection; retrying on a new one")
                connection = await self._connect()
                try:
                    results = await self._execute(connection, reads)
                except BaseException:
                    await self._close(connection)
                    raise
            except BaseException:  # cancelled mid-read, or the statement failed
                await self._close(connection)
                raise
            self.idle.append((connection, self.loop.time()))
            self._reap_later()
        return finish(reads, results)

    async def _execute(
        self, connection: psycopg.AsyncConnection, reads: Sequence[Read[Any]]
    ) -> list[list[tuple]]:
        sql, params = statement(reads)
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(sql, params)
                results = [await cursor.fetchall()]
                while cursor.nextset():
                    results.append(await cursor.fetchall())
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            raise DatabaseError(str(exc)) from exc
        return results

    async def run(self, plan: Plan[T]) -> T:
        """Drive `plan` on this loop's connections."""
        try:
            reads = next(plan)
            while True:
                reads = plan.send(await self.fetch(reads))
        except StopIteration as done:
            return done.value

    async def _close(self, connection: psycopg.AsyncConnection) -> None:
        try:
            await asyncio.shield(connection.close())
        except (psycopg.Error, OSError):
            pass

    def _reap_later(self) -> None:
        if self.reaper is None and self.loop is not None:
            self.reaper = self.loop.call_later(IDLE_CLOSE, self._reap)

    def _reap(self) -> None:
        """Close the connections idle for IDLE_CLOSE seconds; come back while any is held."""
        self.reaper = None
        assert self.loop is not None
        now = self.loop.time()
        keep = []
        for connection, since in self.idle:
            if now - since >= IDLE_CLOSE:
                connection.pgconn.finish()  # no round trip needed to hang up
            else:
                keep.append((connection, since))
        self.idle = keep
        if keep:
            self._reap_later()

    def release(self) -> None:
        """Close every idle connection now (tests: before the database goes)."""
        if self.reaper is not None:
            self.reaper.cancel()
            self.reaper = None
        for connection, _ in self.idle:
            connection.pgconn.finish()
        self.idle = []


loopdb = LoopDatabase()
