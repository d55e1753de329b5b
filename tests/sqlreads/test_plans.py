"""sqlreads.run_together: several plans' statements in one round trip, each plan's value."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Message
from sqlreads import Plan, Read, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def count_of(user_id: int) -> Read[int]:
    table = connection.ops.quote_name(Message._meta.db_table)
    sql = f"SELECT count(*) FROM {table} WHERE recipient_id = %s"
    return Read(sql, [user_id], lambda rows: rows[0][0])


def test_each_plan_gets_the_values_of_its_own_statements(alice, bob):
    Message.objects.create(recipient=alice, text="a")
    plans = [
        Plan([count_of(alice.pk), count_of(bob.pk)], lambda values: ("first", values)),
        Plan([], lambda values: ("nothing to run", values)),
        Plan([count_of(alice.pk)], lambda values: ("last", values)),
    ]
    with CaptureQueriesContext(connection) as queries:
        made = run_together(plans)
    assert made == [("first", [1, 0]), ("nothing to run", []), ("last", [1])]
    # PostgreSQL: one Query message for all three statements; SQLite runs them apart.
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert plans[2].run() == ("last", [1])


@pytest.mark.usefixtures("postgresql_only")
def test_on_postgresql_one_failing_statement_undoes_every_plans_writes(alice):
    table = connection.ops.quote_name(Message._meta.db_table)
    group = connection.ops.quote_name("group")
    insert = Read(
        f"INSERT INTO {table} (recipient_id, text, level, link, collapse_key, created_at, "
        f"updated_at, {group}, actions) "
        "VALUES (%s, 'hi', 'info', '', '', now(), now(), '', '[]') RETURNING id",
        [alice.pk],
        list,
    )
    failing = Read("SELECT 1 / 0", [], list)
    with pytest.raises(DatabaseError):
        run_together([Plan([insert], list), Plan([failing], list)])
    assert not Message.objects.exists()
