"""The unread counter's triggers, for PostgreSQL and SQLite.

A message counts as unread while `read_at IS NULL AND archived_at IS NULL` (`UNREAD`).
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
# `MessageQuerySet.unread()` (the same rule in the ORM). An archived message is not unread.
UNREAD = "{row}.read_at IS NULL AND {row}.archived_at IS NULL"
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


def _postgresql(rule: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {MESSAGE}_unread() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF {_unread("NEW", rule)} THEN {_increment("NEW")}; END IF;
          ELSIF TG_OP = 'DELETE' THEN
            IF {_unread("OLD", rule)} THEN {_decrement("OLD")}; END IF;
          ELSE
            IF {_leaving(rule)} THEN {_decrement("OLD")}; END IF;
            IF {_entering(rule)} THEN {_increment("NEW")}; END IF;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {MESSAGE}_unread ON {MESSAGE}",
        f"""CREATE TRIGGER {MESSAGE}_unread AFTER INSERT OR UPDATE OR DELETE ON {MESSAGE}
        FOR EACH ROW EXECUTE FUNCTION {MESSAGE}_unread()""",
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
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread ON {MESSAGE}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {MESSAGE}_unread()")
    else:
        for name in ("insert", "delete", "leave", "enter"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name}")
