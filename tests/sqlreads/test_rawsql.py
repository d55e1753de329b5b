"""A write and the reads after it in one round trip (sqlreads.Plan, PostgreSQL)."""

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from notifications import preferences, selectors
from notifications.models import Message, NotificationPreference
from sqlreads import Plan, Read, rawsql

# Autocommit, as the writer runs its acks and SNS batches: the Query message's statements
# are then one implicit transaction of their own.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgresql_only")]


def write_then(sql: str, params: list, reads: list) -> tuple[list[tuple], list]:
    """The write (with RETURNING), then each read, as the batching writer's plans run."""
    rows, *values = Plan([Read(sql, params, list), *reads], list).run()
    return rows, values


def insert_unread(user_id: int) -> tuple[str, list]:
    table = connection.ops.quote_name(Message._meta.db_table)
    return (
        f"INSERT INTO {table} (recipient_id, text, level, link, collapse_key, created_at, "
        f"updated_at, {connection.ops.quote_name('group')}, actions) "
        "VALUES (%s, 'hi', 'info', '', '', now(), now(), '', '[]') RETURNING id",
        [user_id],
    )


def test_the_reads_see_what_the_write_and_its_trigger_did(alice, bob):
    NotificationPreference.objects.create(user=alice, toast_info=False)
    Message.objects.create(recipient=alice, text="earlier")
    reads = [
        selectors.unread_counts_read({alice.pk, bob.pk}),
        preferences.snapshots_read({alice.pk, bob.pk}),
    ]
    rows, (counts, snapshots) = write_then(*insert_unread(alice.pk), reads)
    assert [row[0] for row in rows] == list(
        Message.objects.filter(text="hi").values_list("pk", flat=True)
    )
    # The counter as the insert's statement-level trigger left it, not as it was before.
    assert counts == {alice.pk: 2, bob.pk: 0}
    assert not snapshots[alice.pk].shows_toast("info", timezone.now())
    assert snapshots[bob.pk] is preferences.DEFAULTS


def test_a_failing_read_rolls_the_write_back(alice):
    failing = rawsql.Read("SELECT 1 / (SELECT COUNT(*) - COUNT(*) FROM auth_user)", [], list)
    with pytest.raises(DatabaseError):
        write_then(*insert_unread(alice.pk), [failing])
    assert not Message.objects.exists()
    assert selectors.unread_counts({alice.pk}) == {alice.pk: 0}


def test_a_read_with_no_keys_adds_no_statement(alice):
    empty = selectors.unread_counts_read(set())
    assert empty.sql == ""
    rows, (counts,) = write_then(*insert_unread(alice.pk), [empty])
    assert len(rows) == 1 and counts == {}


def test_reads_keyed_by_a_subquery_see_the_write_and_default_the_rest(alice, bob, make_user):
    """rawsql.Keys: the reads' users resolved in the same round trip (the SNS batch's
    lookup by name); users without a counter or preference row get the defaults."""
    from notifications import follows
    from threads import services as threads

    carol = make_user("carol")
    Message.objects.create(recipient=carol, text="hers")  # a counter row, not asked for
    NotificationPreference.objects.create(user=alice, toast_info=False)
    threads.mute(user=alice, key="upload:1")
    keys = rawsql.select_in(type(alice), ["pk"], key="username", values=["alice", "bob", "nobody"])
    users = rawsql.Keys(keys.sql, keys.params)
    reads = [
        selectors.unread_counts_read(users),
        preferences.snapshots_read(users),
        follows.muted_read(users),
    ]
    _, (counts, snapshots, muted) = write_then(*insert_unread(alice.pk), reads)
    assert counts[alice.pk] == 1 and counts[bob.pk] == 0
    assert not snapshots[alice.pk].shows_toast("info", timezone.now())
    assert snapshots[bob.pk] is preferences.DEFAULTS
    assert muted == {(alice.pk, "upload:1")}
    assert carol.pk not in counts and carol.pk not in snapshots  # not among the keys
