import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from notifications import selectors, services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def walk(user_id: int, **kwargs) -> list[list[int]]:
    pages, before = [], None
    while True:
        page = selectors.inbox_page(user_id=user_id, before=before, **kwargs)
        pages.append([m.pk for m in page.messages])
        if page.next_before is None:
            return pages
        assert page.next_before == page.messages[-1].pk
        before = page.next_before


def test_keyset_pages_cover_every_own_row_once_newest_first(alice, bob):
    mine = []
    for i in range(23):
        mine.append(services.notify(alice, f"a{i}").pk)
        services.notify(bob, f"b{i}")  # interleaved ids of another user
    pages = walk(alice.pk, limit=5)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    flat = [i for p in pages for i in p]
    assert flat == sorted(mine, reverse=True)  # no duplicates, no gaps, no foreign rows


def test_exact_multiple_of_the_page_size_has_no_empty_last_page(alice):
    for i in range(10):
        services.notify(alice, f"a{i}")
    assert [len(p) for p in walk(alice.pk, limit=5)] == [5, 5]


def test_rows_arriving_between_pages_shift_nothing(alice):
    for i in range(6):
        services.notify(alice, f"a{i}")
    first = selectors.inbox_page(user_id=alice.pk, limit=3)
    for i in range(4):
        services.notify(alice, f"new{i}")  # OFFSET paging would repeat rows now
    second = selectors.inbox_page(user_id=alice.pk, before=first.next_before, limit=3)
    seen = [m.pk for m in first.messages] + [m.pk for m in second.messages]
    assert len(set(seen)) == 6
    assert second.next_before is None


def test_unread_only_pages(alice):
    ids = [services.notify(alice, f"a{i}").pk for i in range(8)]
    services.mark_read(user=alice, ids=ids[::2])
    flat = [i for p in walk(alice.pk, limit=3, unread_only=True) for i in p]
    assert flat == sorted(ids[1::2], reverse=True)


def test_limit_is_clamped(alice, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    for i in range(3):
        services.notify(alice, f"a{i}")
    assert len(selectors.inbox_page(user_id=alice.pk).messages) == 2
    assert len(selectors.inbox_page(user_id=alice.pk, limit=10_000).messages) == 3
    assert selectors.MAX_PAGE_SIZE == 100


def test_empty_inbox(alice):
    page = selectors.inbox_page(user_id=alice.pk)
    assert page.messages == [] and page.next_before is None


def test_message_for_user_hides_other_users_rows(alice, bob):
    theirs = services.notify(bob, "secret")
    assert selectors.message_for_user(user_id=alice.pk, message_id=theirs.pk) is None
    assert selectors.message_for_user(user_id=bob.pk, message_id=theirs.pk) == theirs
    assert Message.objects.count() == 1


@hyp_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owners=st.lists(st.sampled_from(["alice", "bob"]), max_size=30),
    read_mask=st.lists(st.booleans(), min_size=30, max_size=30),
    limit=st.integers(min_value=1, max_value=7),
    unread_only=st.booleans(),
)
def test_any_walk_yields_exactly_the_users_rows(alice, bob, owners, read_mask, limit, unread_only):
    Message.objects.all().delete()
    users = {"alice": alice, "bob": bob}
    expected = []
    for i, owner in enumerate(owners):
        message = services.notify(users[owner], f"m{i}")
        if read_mask[i]:
            services.mark_read(user=users[owner], ids=[message.pk])
        if owner == "alice" and not (unread_only and read_mask[i]):
            expected.append(message.pk)
    pages = walk(alice.pk, limit=limit, unread_only=unread_only)
    assert all(0 < len(p) <= limit for p in pages if expected)
    assert [i for p in pages for i in p] == sorted(expected, reverse=True)


def test_unread_messages_is_the_orm_query_the_badge_counts(alice, bob):
    """selectors.unread_messages (plain SQL on the connect path) returns the rows, values
    and types of the unread queryset: newest `limit`, oldest first, this user's only."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for i in range(7):
        Message.objects.create(recipient=alice, text=f"a{i}", group="g" if i % 2 else "")
    Message.objects.create(recipient=bob, text="bob's")
    Message.objects.create(recipient=alice, text="read", read_at=now)
    Message.objects.create(recipient=alice, text="archived", archived_at=now)
    Message.objects.create(recipient=alice, text="snoozed", snoozed_until=now + timedelta(1))
    Message.objects.create(
        recipient=alice, text="acts", actions=[{"label": "Open", "url": "/inbox/"}]
    )
    expected = list(reversed(Message.objects.for_user(alice.pk).unread().order_by("-id")[:5]))
    found = selectors.unread_messages(user_id=alice.pk, limit=5)
    assert [m.pk for m in found] == [m.pk for m in expected]
    assert [m.to_payload() for m in found] == [m.to_payload() for m in expected]
    assert found[-1].actions == [{"label": "Open", "url": "/inbox/"}]
    assert found[-1].created_at.tzinfo is not None
    assert selectors.unread_messages(user_id=bob.pk)[0].text == "bob's"


def test_the_sync_frame_marks_what_preferences_hold_and_counts_past_the_cap(alice, settings):
    from notifications.models import NotificationPreference
    from threads import services as threads

    settings.NOTIFICATIONS_SYNC_LIMIT = 4
    NotificationPreference.objects.create(user=alice, toast_info=False)
    for i in range(5):
        services.notify(alice, f"n{i}", level="success", group="thread" if i % 2 else "")
    services.notify(alice, "info is quiet", level="info")
    threads.mute(user=alice, key="thread")
    frame = selectors.sync_frame(user_id=alice.pk)
    assert frame["unread_count"] == 6  # past the cap: the counter
    assert [m["text"] for m in frame["unread"]] == ["n2", "n3", "n4", "info is quiet"]
    quiet = [m["text"] for m in frame["unread"] if m.get("toast") is False]
    assert quiet == ["n3", "info is quiet"]  # a muted thread; a level turned off


def test_sync_frames_of_many_users_are_each_users_own_read_together(
    alice, bob, make_user, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import NotificationPreference
    from threads import services as threads

    settings.NOTIFICATIONS_SYNC_LIMIT = 3
    carol = make_user("carol")  # nothing unread
    NotificationPreference.objects.create(user=bob, toast_info=False)
    for i in range(4):
        services.notify(alice, f"a{i}", level="success", group="t" if i % 2 else "")
    services.notify(bob, "b quiet", level="info")
    services.notify(bob, "b loud", level="error")
    threads.mute(user=alice, key="t")
    users = [alice.pk, carol.pk, bob.pk, alice.pk]
    alone = [selectors.sync_frame(user_id=u) for u in users]
    with CaptureQueriesContext(connection) as queries:
        together = selectors.sync_frames(users)
    assert together == alone
    assert together[0]["unread_count"] == 4 and len(together[0]["unread"]) == 3
    assert together[1] == {"type": "sync", "unread": [], "unread_count": 0}
    assert [m.get("toast", True) for m in together[2]["unread"]] == [False, True]
    if connection.vendor == "postgresql":
        assert len(queries) == 2  # the unread sets, then the counters, preferences, mutes
