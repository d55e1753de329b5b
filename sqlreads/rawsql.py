"""The hot path's statements as plain SQL, built from the models' metadata (issue 17).

Django compiles every ORM query anew: 300-400 µs of CPU for a one-row filter or a
one-row bulk insert on the bench machine, against ~60 µs to send the same statement
raw. The batching writer ran five of them per batch, and at moderate load a batch holds
one or two jobs, so compiling SQL, not the database, was most of our CPU per notification
above the Channels floor (docs/performance.md). These build the text from the model's
own table and column names (never from input), pass every value as a parameter, convert
results with the same converters the ORM applies, and stay on the caller's connection
and transaction.

On PostgreSQL a list is one array parameter (`= ANY(%s)`), so one statement text serves
every batch size; elsewhere (SQLite, the embedded default) it is `IN (%s, ...)`. The keys
may also be a subquery (`Keys`), when a write in the same round trip decides them.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, models

from sqlreads import Read, dialect

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")
U = TypeVar("U")
# Rows per INSERT: 15 columns a message, far below SQLite's 32,766 bound parameters.
INSERT_ROWS = 500


@dataclass(frozen=True)
class Keys:
    """Keys given as a subquery (`SELECT one column ...`) rather than as values: a read
    keyed by what the same round trip resolves (the SNS batch's recipients, looked up by
    name in its write), so it needs no round trip of its own first (issue 17)."""

    sql: str
    params: list[Any]


def select_in(
    model: type[models.Model],
    columns: Sequence[str],
    *,
    key: str,
    values: Iterable[Any] | Keys,
    equal: dict[str, Any] | None = None,
    using: str = "default",
) -> Read[list[tuple]]:
    """`SELECT columns FROM model WHERE key IN values [AND field = value ...]`.

    Field names in, Python values out (the ORM's converters), as `values_list` gives.
    """
    values = values if isinstance(values, Keys) else list(values)
    if not values:
        return Read("", [], list, using)
    connection = dialect(using)  # builds text only: any thread
    equal = equal or {}
    if isinstance(values, Keys):
        shape: str | int = values.sql
        params = list(values.params)
    elif connection.vendor == "postgresql":
        shape, params = "", [values]  # one array parameter, whatever the count
    else:
        shape, params = len(values), values
    sql, fields, equal_fields, converters = _select_text(
        using, model, tuple(columns), key, tuple(equal), shape
    )
    params += [
        f.get_db_prep_value(v, connection)
        for f, v in zip(equal_fields, equal.values(), strict=True)
    ]

    def convert(rows: list[tuple]) -> list[tuple]:
        return [tuple(_converted(row, converters, fields, connection)) for row in rows]

    return Read(sql, params, convert, using)


def rows_in(
    model: type[models.Model],
    columns: Sequence[str],
    *,
    key: str,
    values: Iterable[Any],
    equal: dict[str, Any] | None = None,
    using: str = "default",
) -> list[tuple]:
    """`select_in`, run now."""
    return select_in(model, columns, key=key, values=values, equal=equal, using=using).run()


def instances_read(
    model: type[M], *, key: str, values: Iterable[Any], using: str = "default"
) -> Read[list[M]]:
    """The model's rows whose `key` is in `values`, as instances (every concrete field)."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    read = select_in(model, [f.name for f in fields], key=key, values=values, using=using)
    return read.then(lambda rows: [model.from_db(using, names, row) for row in rows])


def instances_in(
    model: type[M], *, key: str, values: Iterable[Any], using: str = "default"
) -> list[M]:
    """`instances_read`, run now."""
    return instances_read(model, key=key, values=values, using=using).run()


def newest_read(
    model: type[M],
    *,
    equal: dict[str, Any],
    null: Sequence[str] = (),
    limit: int,
    using: str = "default",
) -> Read[list[M]]:
    """`filter(**equal, <each of null>__isnull=True).order_by("-pk")[:limit]`, as
    instances (every concrete field), newest first."""
    connection = dialect(using)  # builds text only: safe on the loop
    meta = model._meta
    key = (model, tuple(equal), tuple(null), using)
    sql = _NEWEST.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        conditions = [f"{quote(meta.get_field(name).column)} = %s" for name in equal]
        conditions += [f"{quote(meta.get_field(name).column)} IS NULL" for name in null]
        sql = (
            f"SELECT {', '.join(quote(f.column) for f in meta.concrete_fields)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {quote(meta.pk.column)} DESC LIMIT %s"
        )
        _NEWEST[key] = sql
    params = [meta.get_field(name).get_db_prep_value(v, connection) for name, v in equal.items()]
    fields = meta.concrete_fields
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converters(connection, f))]
    names = [f.attname for f in fields]

    def instances(rows: list[tuple]) -> list[M]:
        return [
            model.from_db(using, names, _converted(row, converters, fields, connection))
            for row in rows
        ]

    return Read(sql, [*params, limit], instances, using)


_NEWEST: dict[tuple, str] = {}


def insert(objs: list[M], *, using: str = "default") -> list[M]:
    """`bulk_create` for a model with an auto primary key: one multi-row INSERT ...
    RETURNING the keys, in row order (as bulk_create relies on, on both databases).

    Each field's own `pre_save` and `get_db_prep_save` make the values, so defaults,
    `auto_now_add` and types come out as the ORM writes them; no signals, as bulk_create.
    """
    if not objs:
        return objs
    connection = connections[using]
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 - model names
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), INSERT_ROWS):
            chunk = objs[start : start + INSERT_ROWS]
            params: list[Any] = []
            for obj in chunk:
                params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
            sql = head + ", ".join([row] * len(chunk)) + f" RETURNING {quote(meta.pk.column)}"
            cursor.execute(sql, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    return objs


def typed_values(
    objs: list[models.Model],
    *,
    extra: Sequence[tuple[str, Sequence[Any]]] = (),
    using: str = "default",
) -> tuple[list[str], str, list]:
    """(quoted columns, VALUES rows, params) for inserting `objs` as `INSERT ... SELECT`
    from a VALUES list, with an ordinal `_row` column after the model's, then one column
    per `extra` (an SQL type, a value per object): every placeholder is cast to its
    column's type (a VALUES list outside INSERT has no target types to infer them from).
    Values made as `insert` makes them; PostgreSQL only."""
    connection = connections[using]
    model = type(objs[0])
    fields, columns, _ = _typed_columns(connection, model)
    row = typed_row(model, [sql_type for sql_type, _ in extra], using=using)
    params: list[Any] = []
    for n, obj in enumerate(objs):
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        params.append(n)
        params += [values[n] for _, values in extra]
    return columns, ", ".join([row] * len(objs)), params


def typed_row(
    model: type[models.Model], extra: Sequence[str] = (), *, using: str = "default"
) -> str:
    """One row of `typed_values`' VALUES list: `(%s::type, ..., %s::int, %s::extra ...)`."""
    casts = _typed_columns(connections[using], model)[2]
    return "(" + ", ".join([*casts, "%s::int", *(f"%s::{t}" for t in extra)]) + ")"


_TYPED: dict[tuple[str, type[models.Model]], tuple[list[models.Field], list[str], list[str]]] = {}


def _typed_columns(
    connection: Any, model: type[models.Model]
) -> tuple[list[models.Field], list[str], list[str]]:
    """The model's fields but its primary key, their quoted columns and `%s::type` casts:
    built once per model (db_type() costs a few µs a field, on every SNS batch)."""
    key = (connection.alias, model)
    found = _TYPED.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if f is not meta.pk]
        found = _TYPED[key] = (
            fields,
            [connection.ops.quote_name(f.column) for f in fields],
            [f"%s::{f.db_type(connection)}" for f in fields],
        )
    return found


@functools.lru_cache(maxsize=256)
def _select_text(
    using: str,
    model: type[models.Model],
    columns: tuple[str, ...],
    key: str,
    equal: tuple[str, ...],
    shape: str | int,
) -> tuple[str, list[models.Field], list[models.Field], list[tuple[int, list[Callable]]]]:
    """`select_in`'s text, fields and converters, built once per query shape (a subquery's
    text, "" for PostgreSQL's one array parameter, else the count of values): the writer
    builds several such reads per batch, and building them was a tenth of its CPU."""
    connection = dialect(using)  # cached: not any one thread's wrapper
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.pk if name == "pk" else meta.get_field(name) for name in columns]
    column = quote((meta.pk if key == "pk" else meta.get_field(key)).column)
    if isinstance(shape, str) and shape:
        condition = f"{column} IN ({shape})"
    elif connection.vendor == "postgresql":
        condition = f"{column} = ANY(%s)"
    else:
        condition = f"{column} IN ({', '.join(['%s'] * shape)})"
    equal_fields = [meta.get_field(name) for name in equal]
    for field in equal_fields:
        condition += f" AND {quote(field.column)} = %s"
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608 - names from the model
        f"FROM {quote(meta.db_table)} WHERE {condition}"
    )
    converters = [(i, _converters(connection, f)) for i, f in enumerate(fields)]
    return sql, fields, equal_fields, [(i, c) for i, c in converters if c]


_CONVERTERS: dict[tuple[str, models.Field], list[Callable]] = {}


def _converted(
    row: Sequence[Any],
    converters: list[tuple[int, list[Callable]]],
    fields: Sequence[models.Field],
    connection: Any,
) -> list[Any]:
    """One row's values through their columns' converters (the ORM's, `_converters`)."""
    values = list(row)
    for i, funcs in converters:
        for func in funcs:
            values[i] = func(values[i], fields[i], connection)
    return values


def _converters(connection: Any, field: models.Field) -> list[Callable]:
    """The backend's and the field's converters for a column, as the ORM's compiler
    applies them (e.g. SQLite's text to datetime and integer to bool; none for most)."""
    key = (connection.alias, field)
    found = _CONVERTERS.get(key)
    if found is None:
        col = field.get_col(field.model._meta.db_table)
        found = [
            *connection.ops.get_db_converters(col),
            *col.get_db_converters(connection),
        ]
        _CONVERTERS[key] = found
    return found
