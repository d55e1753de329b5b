"""Plain SQL reads (the ground floor under the apps: Django's connections, none of our
models).

A `Read` is a SELECT's text, its parameters and how its rows become the caller's value.
Django compiles every ORM query anew, which on the hot paths (the writer's batches, a
socket's handshake) cost more CPU than running the statement; reads built here from a
model's own metadata skip that, and `fetch` sends several in one round trip where the
database allows (PostgreSQL). `rawsql` builds the hot paths' statements from a model's
metadata: reads keyed by a list or a subquery, a multi-row INSERT ... RETURNING. A
`Plan` is statements not yet run and what their values make; `run_together` sends
several plans' statements in one round trip (the batching writer's kinds of job).
Callers pass their models in; nothing here names one.
"""

from sqlreads.reads import Plan, Read, dialect, fetch, run_together

__all__ = ["Plan", "Read", "dialect", "fetch", "run_together"]
