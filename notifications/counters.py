"""The unread counter's triggers, for PostgreSQL and SQLite.

A message counts as unread while `read_at`, `archived_at` and `snoozed_until` are all NULL
(`UNREAD`): an archived or a snoozed message never counts.
The triggers move `UnreadCounter.unread` on every row change that enters or leaves that
state, in the statement's own transaction, so the counter is exactly `COUNT(*)` of the unread rows
whoever writes. Migrations install them with `install`; SQLite drops a table's triggers
when a migration rebuilds the table, so any later migration that alters Message on
SQLite must call `install` again (the counter tests in tests/notifications fail otherwise).
"""

# Every statement here is built from the constant names below, never from input.
# ruff: noqa: S608

from typing import Any

MESSAGE = "notifications_message"
COUNTER = "notifications_unreadcounter"
# The unread predicate for a row alias (NEW or OLD); one place to change it, with
# `MessageQuerySet.unread()` (the same rule in the ORM). An archived message is not unread,
# nor is a snoozed one until it wakes (snooze/services.py).
UNREAD = "{row}.read_at IS NULL AND {row}.archived_at IS NULL AND {row}.snoozed_until IS NULL"
# The rule before messages could be snoozed: migrations 0006 and 0007 install it.
UNREAD_BEFORE_SNOOZE = "{row}.read_at IS NULL AND {row}.archived_at IS NULL"
# The rule before messages could be archived: migrations that ran before the column
# existed (0004) install the triggers with it.
UNREAD_BEFORE_ARCHIVE = "{row}.read_at IS NULL"


def _unread(row: str, rule: str) -> str:
    return f"({rule.format(row=row)})"


def _increment(row: str) -> str:
    return (
        f"INSERT INTO {COUNTER} (user_id, unread) VALUES ({row}.recipient_id, 1) "
        f"ON CONFLICT (user_id) DO UPDATE SET unread = {COUNTER}.unread + 1"
    )


def _decrement(row: str) -> str:
    return f"UPDATE {COUNTER} SET unread = unread - 1 WHERE user_id = {row}.recipient_id"


def _entering(rule: str) -> str:
    new, old = _unread("NEW", rule), _unread("OLD", rule)
    return f"{new} AND (NOT {old} OR NEW.recipient_id <> OLD.recipient_id)"


def _leaving(rule: str) -> str:
    new, old = _unread("NEW", rule), _unread("OLD", rule)
    return f"{old} AND (NOT {new} OR NEW.recipient_id <> OLD.recipient_id)"


def _sqlite(rule: str) -> list[str]:
    drop = [
        f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name}"
        for name in ("insert", "delete", "leave", "enter")
    ]
    return [
        *drop,
        f"""CREATE TRIGGER {MESSAGE}_unread_insert AFTER INSERT ON {MESSAGE}
        WHEN {_unread("NEW", rule)} BEGIN {_increment("NEW")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_delete AFTER DELETE ON {MESSAGE}
        WHEN {_unread("OLD", rule)} BEGIN {_decrement("OLD")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_leave AFTER UPDATE ON {MESSAGE}
        WHEN {_leaving(rule)} BEGIN {_decrement("OLD")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_enter AFTER UPDATE ON {MESSAGE}
        WHEN {_entering(rule)} BEGIN {_increment("NEW")}; END""",
    ]


def _delta(rows: str, sign: str, rule: str) -> str:
    # The unread rows of one transition table, as (user, +1 or -1) per user.
    return (
        f"SELECT recipient_id AS user_id, {sign}COUNT(*) AS delta FROM {rows} "
        f"WHERE {_unread(rows, rule)} GROUP BY recipient_id"
    )


def _apply(deltas: str) -> str:
    # One upsert per statement, in user order (one lock order for concurrent writers).
    return (
        f"INSERT INTO {COUNTER} (user_id, unread) SELECT user_id, SUM(delta) FROM ({deltas}) d "
        f"GROUP BY user_id HAVING SUM(delta) <> 0 ORDER BY user_id "
        f"ON CONFLICT (user_id) DO UPDATE SET unread = {COUNTER}.unread + EXCLUDED.unread"
    )


# Statement-level triggers with transition tables: one counter write per user and
# statement, whatever the number of rows. A row-level trigger updated the same counter
# row once per message, and PostgreSQL walks every earlier version of that row in the
# transaction to find the live one, so a statement over n rows cost O(n^2) (mark-all
# over 100,000 messages took minutes; issue #19). A trigger with transition tables may
# have only one event, hence three.
_PG_TRIGGERS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
}


def _postgresql(rule: str) -> list[str]:
    entering, leaving = _delta("new_rows", "", rule), _delta("old_rows", "-", rule)
    return [
        *_pg_drop(),
        f"""CREATE OR REPLACE FUNCTION {MESSAGE}_unread() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {_apply(entering)};
          ELSIF TG_OP = 'DELETE' THEN
            {_apply(leaving)};
          ELSE
            {_apply(f"{entering} UNION ALL {leaving}")};
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        *(
            f"""CREATE TRIGGER {MESSAGE}_unread_{name} AFTER {event} ON {MESSAGE}
            {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {MESSAGE}_unread()"""
            for name, (event, referencing) in _PG_TRIGGERS.items()
        ),
    ]


def _pg_drop() -> list[str]:
    # The row-level trigger of earlier installs, then the statement-level ones.
    return [
        f"DROP TRIGGER IF EXISTS {MESSAGE}_unread ON {MESSAGE}",
        *(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name} ON {MESSAGE}" for name in _PG_TRIGGERS),
    ]


def install(schema_editor: Any, *, unread: str = UNREAD) -> None:
    """(Re)create the triggers and set every counter from the rows as they are.

    `unread` is the predicate as of the calling migration: the current `UNREAD` unless
    the migration ran before a column it names existed.
    """
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _postgresql(unread)
    elif vendor == "sqlite":
        statements = _sqlite(unread)
    else:
        raise NotImplementedError(f"no unread-counter triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(f"DELETE FROM {COUNTER}")
    schema_editor.execute(
        f"INSERT INTO {COUNTER} (user_id, unread) SELECT recipient_id, COUNT(*) FROM {MESSAGE} "
        f"WHERE {_unread(MESSAGE, unread)} GROUP BY recipient_id"
    )


def uninstall(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in _pg_drop():
            schema_editor.execute(statement)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {MESSAGE}_unread()")
    else:
        for name in ("insert", "delete", "leave", "enter"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name}")
