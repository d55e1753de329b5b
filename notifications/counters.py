"""The unread counter's triggers, for PostgreSQL and SQLite.

A message counts as unread while `read_at IS NULL`. The triggers move
`UnreadCounter.unread` on every row change that enters or leaves that state, in the
statement's own transaction, so the counter is exactly `COUNT(*)` of the unread rows
whoever writes. Migrations install them with `install`; SQLite drops a table's triggers
when a migration rebuilds the table, so any later migration that alters Message on
SQLite must call `install` again (the counter tests in tests/notifications fail otherwise).
"""

# Every statement here is built from the constant names below, never from input.
# ruff: noqa: S608

from typing import Any

MESSAGE = "notifications_message"
COUNTER = "notifications_unreadcounter"
# The unread predicate for a row alias (NEW or OLD); one place to change it.
UNREAD = "{row}.read_at IS NULL"


def _unread(row: str) -> str:
    return UNREAD.format(row=row)


def _increment(row: str) -> str:
    return (
        f"INSERT INTO {COUNTER} (user_id, unread) VALUES ({row}.recipient_id, 1) "
        f"ON CONFLICT (user_id) DO UPDATE SET unread = {COUNTER}.unread + 1"
    )


def _decrement(row: str) -> str:
    return f"UPDATE {COUNTER} SET unread = unread - 1 WHERE user_id = {row}.recipient_id"


def _entering() -> str:
    return f"{_unread('NEW')} AND (NOT ({_unread('OLD')}) OR NEW.recipient_id <> OLD.recipient_id)"


def _leaving() -> str:
    return f"{_unread('OLD')} AND (NOT ({_unread('NEW')}) OR NEW.recipient_id <> OLD.recipient_id)"


def _sqlite() -> list[str]:
    drop = [
        f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name}"
        for name in ("insert", "delete", "leave", "enter")
    ]
    return [
        *drop,
        f"""CREATE TRIGGER {MESSAGE}_unread_insert AFTER INSERT ON {MESSAGE}
        WHEN {_unread("NEW")} BEGIN {_increment("NEW")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_delete AFTER DELETE ON {MESSAGE}
        WHEN {_unread("OLD")} BEGIN {_decrement("OLD")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_leave AFTER UPDATE ON {MESSAGE}
        WHEN {_leaving()} BEGIN {_decrement("OLD")}; END""",
        f"""CREATE TRIGGER {MESSAGE}_unread_enter AFTER UPDATE ON {MESSAGE}
        WHEN {_entering()} BEGIN {_increment("NEW")}; END""",
    ]


def _postgresql() -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {MESSAGE}_unread() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF {_unread("NEW")} THEN {_increment("NEW")}; END IF;
          ELSIF TG_OP = 'DELETE' THEN
            IF {_unread("OLD")} THEN {_decrement("OLD")}; END IF;
          ELSE
            IF {_leaving()} THEN {_decrement("OLD")}; END IF;
            IF {_entering()} THEN {_increment("NEW")}; END IF;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {MESSAGE}_unread ON {MESSAGE}",
        f"""CREATE TRIGGER {MESSAGE}_unread AFTER INSERT OR UPDATE OR DELETE ON {MESSAGE}
        FOR EACH ROW EXECUTE FUNCTION {MESSAGE}_unread()""",
    ]


def install(schema_editor: Any) -> None:
    """(Re)create the triggers and set every counter from the rows as they are."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _postgresql()
    elif vendor == "sqlite":
        statements = _sqlite()
    else:
        raise NotImplementedError(f"no unread-counter triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(f"DELETE FROM {COUNTER}")
    schema_editor.execute(
        f"INSERT INTO {COUNTER} (user_id, unread) SELECT recipient_id, COUNT(*) FROM {MESSAGE} "
        f"WHERE {_unread(MESSAGE)} GROUP BY recipient_id"
    )


def uninstall(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread ON {MESSAGE}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {MESSAGE}_unread()")
    else:
        for name in ("insert", "delete", "leave", "enter"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {MESSAGE}_unread_{name}")
