"""`Read`, and running several in one round trip on this thread's Django connection;
`Plan`, statements and what their values make, several plans in one round trip."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Read(Generic[T]):
    """A SELECT not yet run, and how its rows become the caller's value: run it alone
    (`run`), several in one round trip (`fetch`), or after a write in the write's own round trip
    (a `Plan` whose first statement is the write)."""

    sql: str  # empty: nothing to read (no keys), the value of no rows
    params: list[Any]
    finish: Callable[[list[tuple]], T]
    using: str = "default"

    def run(self) -> T:
        return fetch([self], using=self.using)[0]

    def then(self, func: Callable[[T], U]) -> "Read[U]":
        """The same SELECT, its value passed through `func`."""
        finish = self.finish
        return Read(self.sql, self.params, lambda rows: func(finish(rows)), self.using)


_DIALECTS: dict[str, Any] = {}


def dialect(using: str = "default") -> Any:
    """A database wrapper for building statements and converting values, never
    connected, one per alias for the whole process.

    `connections[alias]` is one wrapper per thread, and on an event loop one per task: a
    read built through it on the loop would make, and keep for the task's life, a wrapper
    of its own for every socket (~1.6 KB each, and its CPU). Built here, a read can be
    made anywhere and run on any thread."""
    found = _DIALECTS.get(using)
    if found is None:
        found = _DIALECTS[using] = connections.create_connection(using)
    return found


def statement(reads: Sequence[Read[Any]]) -> tuple[str, list[Any]]:
    """The reads that have SQL as one text of several statements, and its parameters
    (PostgreSQL's simple query protocol runs them in one round trip)."""
    wanted = [read for read in reads if read.sql]
    params: list[Any] = []
    for read in wanted:
        params += read.params
    return "; ".join(read.sql for read in wanted), params


def finish(reads: Sequence[Read[Any]], results: list[list[tuple]]) -> list[Any]:
    """Each read's value, from the rows of those that had SQL (in order)."""
    found = iter(results)
    return [read.finish(next(found)) if read.sql else read.finish([]) for read in reads]


def fetch(reads: Sequence[Read[Any]], *, using: str = "default") -> list[Any]:
    """Run `reads` on this thread's connection: their values, in order.

    On PostgreSQL, Django's psycopg cursor binds parameters on the client and sends the
    text as one simple-protocol Query message, which may hold several statements: the
    server runs them as one implicit transaction (or in the caller's), each statement
    with a fresh snapshot, so a read after a write (with RETURNING) sees what the write
    and its triggers (the unread counter) did, as a read after the commit would, minus a
    round trip and its thread wake-ups. A failure in any statement rolls every one back.
    Elsewhere (SQLite) they run one by one."""
    connection = connections[using]
    wanted = [read for read in reads if read.sql]
    results: list[list[tuple]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(wanted) > 1:
            sql, params = statement(wanted)
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
            while cursor.nextset():
                results.append(cursor.fetchall())
        else:
            for read in wanted:
                cursor.execute(read.sql, read.params)
                results.append(cursor.fetchall())
    return finish(reads, results)


@dataclass(frozen=True)
class Plan(Generic[T]):
    """Statements not yet run, each a `Read` (a write with RETURNING is one too), and
    what their values make: run alone (`run`), or with other plans' statements in one
    round trip (`run_together`). On PostgreSQL the statements of one round trip are one
    implicit transaction (or part of the caller's): all of them commit, or none."""

    reads: Sequence[Read[Any]]
    finish: Callable[[list[Any]], T]

    def run(self, *, using: str = "default") -> T:
        return run_together([self], using=using)[0]


def run_together(plans: Sequence[Plan[Any]], *, using: str = "default") -> list[Any]:
    """Every plan's statements in one round trip (`fetch`), then each plan's value, in
    order. A plan's `finish` runs after all of them, and may run more statements."""
    values = fetch([read for plan in plans for read in plan.reads], using=using)
    made: list[Any] = []
    start = 0
    for plan in plans:
        end = start + len(plan.reads)
        made.append(plan.finish(values[start:end]))
        start = end
    return made
