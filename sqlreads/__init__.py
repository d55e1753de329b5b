"""Plain SQL reads, and plans made of them, that any thread or an event loop can run.

The ground floor under the apps (it knows Django's database connections, none of our
models). A `Read` is a SELECT's text, its parameters and how its rows become the
caller's value; a *plan* is a generator that yields lists of reads and receives their
values, so one piece of logic (a handshake's session and user, a socket's `sync`) runs
either on a thread through Django's connection (`run_plan`) or on the event loop through
an async connection (consumers/loopdb.py), without a thread hop. Each list a plan
yields goes to the database in one round trip where it can (PostgreSQL).
"""

from sqlreads.reads import Plan, Read, dialect, fetch, run_plan

__all__ = ["Plan", "Read", "dialect", "fetch", "run_plan"]
