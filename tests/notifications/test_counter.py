"""The unread counter is authoritative: UnreadCounter == COUNT(*) of unread rows, always.

A Hypothesis state machine drives every writer of Message (notify, collapse, fan-out,
acks, mark read / all read / unread, archive, unarchive, delete, purge, threads and their
whole-thread actions, mute, notify_followers, action clicks, snooze, wake-up, unsnooze) in
any order and checks the counter against COUNT(*) after each step. The count is of
messages, not threads; mute changes none of it, snooze takes a message out until it wakes
(docs/inbox.md). It runs on the configured database:
SQLite by default, PostgreSQL with DATABASE_URL (the triggers differ per vendor).
"""

import contextlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from inbox import inbox_threads
from notifications import bulk, selectors, services
from notifications.models import Message, UnreadCounter
from snooze import services as snooze
from threads import actions
from threads import services as threads
from userdata import services as userdata

pytestmark = pytest.mark.django_db

UNKNOWN = 2**62
THREADS = st.sampled_from(["", "t-1", "t-2"])
ACTIONS = [{"label": "Open", "url": "/a/"}, {"label": "Approve", "post": "approve"}]


class CounterMachine(RuleBasedStateMachine):
    users: list = []  # set by the test: two users created once

    def __init__(self) -> None:
        super().__init__()
        # Each run starts empty; the delete's triggers bring every counter to zero.
        Message.objects.all().delete()
        UnreadCounter.objects.all().delete()

    def ids(self, data: st.DataObject) -> list[int]:
        # Positions, not ids: what Hypothesis draws must not depend on the database (ids
        # differ when it replays a case, and it refuses a strategy that changes). A
        # position past the rows is an id nobody has.
        existing = list(Message.objects.order_by("id").values_list("id", flat=True))
        picks = data.draw(st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=5))
        return [existing[i] if i < len(existing) else UNKNOWN for i in picks]

    def user(self, data: st.DataObject):
        return data.draw(st.sampled_from(self.users))

    @rule(data=st.data(), key=st.sampled_from(["", "job-1", "job-2"]), group=THREADS)
    def notify(self, data: st.DataObject, key: str, group: str) -> None:
        services.notify(self.user(data), "hello", collapse_key=key, group=group, actions=ACTIONS)

    @rule(data=st.data(), group=THREADS.filter(bool), muted=st.booleans())
    def mute(self, data: st.DataObject, group: str, muted: bool) -> None:
        user = self.user(data)
        before = selectors.unread_count(user_id=user.pk)
        (threads.mute if muted else threads.unmute)(user=user, key=group)
        assert selectors.unread_count(user_id=user.pk) == before  # mute counts nothing

    @rule(group=THREADS.filter(bool))
    def notify_followers(self, group: str) -> None:
        threads.notify_followers(key=group, text="to followers")

    @rule(data=st.data(), action=st.sampled_from([0, 1]))
    def act(self, data: st.DataObject, action: int) -> None:
        for message_id in self.ids(data):
            with contextlib.suppress(actions.UnknownAction):
                actions.act(user=self.user(data), message_id=message_id, index=action)

    @rule(data=st.data(), verb=st.sampled_from(["read", "archive", "delete"]))
    def thread_action(self, data: st.DataObject, verb: str) -> None:
        # The inbox's row of a thread: the action on every message of it (views.bulk).
        user = self.user(data)
        ids = inbox_threads.expand(user_id=user.pk, ids=self.ids(data))
        {"read": services.mark_read, "archive": services.archive, "delete": services.delete}[verb](
            user=user, ids=ids
        )

    @rule(source=st.sampled_from([None, "fan-1"]))
    def notify_everyone(self, source: str | None) -> None:
        services.notify_users(user_ids=[u.pk for u in self.users], text="all", source_id=source)

    @rule(data=st.data())
    def ack(self, data: st.DataObject) -> None:
        bulk.ack_many([(self.user(data).pk, self.ids(data))])

    @rule(data=st.data())
    def mark_read(self, data: st.DataObject) -> None:
        services.mark_read(user=self.user(data), ids=self.ids(data))

    @rule(data=st.data())
    def mark_all_read(self, data: st.DataObject) -> None:
        services.mark_all_read(user=self.user(data))

    @rule(data=st.data())
    def mark_unread(self, data: st.DataObject) -> None:
        services.mark_unread(user=self.user(data), ids=self.ids(data))

    @rule(data=st.data())
    def archive(self, data: st.DataObject) -> None:
        services.archive(user=self.user(data), ids=self.ids(data))

    @rule(data=st.data())
    def unarchive(self, data: st.DataObject) -> None:
        services.unarchive(user=self.user(data), ids=self.ids(data))

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        services.delete(user=self.user(data), ids=self.ids(data))

    @rule(data=st.data())
    def erase(self, data: st.DataObject) -> None:
        # Every message of one user, and the counter row: the next notify starts anew.
        userdata.erase(user=self.user(data))

    @rule(data=st.data())
    def purge(self, data: st.DataObject) -> None:
        # Some messages made old, then the retention command deletes the read ones.
        old = timezone.now() - timedelta(days=10)
        Message.objects.filter(id__in=self.ids(data)).update(created_at=old)
        call_command("purge_notifications", "--days", "1", stdout=io.StringIO())

    @rule(data=st.data(), minutes=st.integers(min_value=1, max_value=3))
    def snooze(self, data: st.DataObject, minutes: int) -> None:
        until = timezone.now() + timedelta(minutes=minutes)
        snooze.snooze(user=self.user(data), ids=self.ids(data), until=until)

    @rule(minutes=st.integers(min_value=0, max_value=4))
    def wake(self, minutes: int) -> None:
        # The clock moved on: some snoozes ended, some not yet.
        snooze.wake_due(now=timezone.now() + timedelta(minutes=minutes))

    @rule(data=st.data())
    def unsnooze(self, data: st.DataObject) -> None:
        snooze.unsnooze(user=self.user(data), ids=self.ids(data))

    @invariant()
    def counter_is_count(self) -> None:
        for user in self.users:
            expected = Message.objects.filter(
                recipient=user,
                read_at__isnull=True,
                archived_at__isnull=True,
                snoozed_until__isnull=True,
            ).count()
            assert selectors.unread_count(user_id=user.pk) == expected
            assert Message.objects.for_user(user.pk).unread().count() == expected
        assert not UnreadCounter.objects.filter(unread__lt=0).exists()


def test_the_counter_matches_count_after_any_sequence_of_writes(alice, bob):
    CounterMachine.users = [alice, bob]
    run_state_machine_as_test(
        CounterMachine,
        settings=hyp_settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_an_archived_unread_message_leaves_the_count_and_comes_back(alice):
    kept = services.notify(alice, "kept")
    archived = services.notify(alice, "archived")
    assert selectors.unread_count(user_id=alice.pk) == 2
    assert services.archive(user=alice, ids=[archived.pk]) == [archived.pk]
    assert selectors.unread_count(user_id=alice.pk) == 1
    assert [m.pk for m in selectors.unread_messages(user_id=alice.pk)] == [kept.pk]
    assert selectors.sync_frame(user_id=alice.pk)["unread_count"] == 1
    assert services.unarchive(user=alice, ids=[archived.pk]) == [archived.pk]
    assert selectors.unread_count(user_id=alice.pk) == 2


def test_a_snoozed_message_leaves_the_count_and_its_wake_up_brings_it_back(alice):
    read = services.notify(alice, "read")
    services.mark_read(user=alice, ids=[read.pk])
    unread = services.notify(alice, "unread")
    until = timezone.now() + timedelta(minutes=5)
    assert snooze.snooze(user=alice, ids=[read.pk, unread.pk], until=until) == sorted(
        [read.pk, unread.pk]
    )
    assert selectors.unread_count(user_id=alice.pk) == 0
    assert snooze.wake_due(now=until) == 2
    assert selectors.unread_count(user_id=alice.pk) == 2  # both back, unread


def _counter_writes() -> int:
    # Rows of the counter table inserted or updated so far in this transaction.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_inserted(%s::regclass)"
            " + pg_stat_get_xact_tuples_updated(%s::regclass)",
            [UnreadCounter._meta.db_table] * 2,
        )
        return cursor.fetchone()[0]


def test_a_statement_over_many_rows_writes_each_counter_once(alice, bob):
    # PostgreSQL walks every version of a row updated in one transaction: one counter
    # write per message made a statement over n messages O(n^2) (issue #19). SQLite has
    # no statement triggers; its per-row triggers update the row in place, O(1) each
    # (bench/markall.py measures both).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement-level triggers are PostgreSQL's; SQLite's are per row")
    services.notify_users(user_ids=[alice.pk, bob.pk], text="warm")  # counter rows exist
    before = _counter_writes()
    Message.objects.bulk_create(
        [Message(recipient=user, text=f"m{i}") for i in range(50) for user in (alice, bob)]
    )
    assert _counter_writes() - before == 2
    before = _counter_writes()
    assert len(services.mark_all_read(user=alice)) == 51
    Message.objects.filter(recipient=bob).update(archived_at=timezone.now())
    Message.objects.filter(recipient__in=[alice, bob]).delete()
    assert _counter_writes() - before == 2  # one per user with a change; the delete: none
    Message.objects.bulk_create([Message(recipient=alice, text=f"s{i}") for i in range(50)])
    before = _counter_writes()
    Message.objects.filter(recipient=alice).update(snoozed_until=timezone.now())
    Message.objects.filter(recipient=alice).update(snoozed_until=None)
    Message.objects.filter(recipient=alice).delete()
    assert _counter_writes() - before == 3  # snooze, wake, delete: one write each
    assert selectors.unread_count(user_id=alice.pk) == selectors.unread_count(user_id=bob.pk) == 0
