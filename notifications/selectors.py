"""Read-only queries for views, the consumer and the context processor."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from notifications import follows, preferences
from notifications.models import UNREAD_NULL, Message, UnreadCounter, is_id
from sqlreads import fetch, rawsql


def unread_count(*, user_id: int) -> int:
    """The user's unread total: the counter the database keeps (notifications/counters.py)."""
    return unread_counts({user_id})[user_id]


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """{user id: unread total} for many users, in one query (0 for a user with no row)."""
    return unread_counts_read(user_ids).run()


def unread_counts_read(user_ids: Iterable[int] | rawsql.Keys) -> rawsql.Read[dict[int, int]]:
    """`unread_counts` as a read to run later, or after a write in its round trip; for
    users given as a subquery, a mapping that answers 0 for a user with no row."""
    if isinstance(user_ids, rawsql.Keys):
        by_query = rawsql.select_in(UnreadCounter, ["user", "unread"], key="user", values=user_ids)
        return by_query.then(lambda rows: defaultdict(int, rows))
    user_ids = set(user_ids)
    # Raw SQL from the model (sqlreads/rawsql.py): read once per writer batch.
    read = rawsql.select_in(UnreadCounter, ["user", "unread"], key="user", values=user_ids)

    def totals(rows: list[tuple]) -> dict[int, int]:
        counts = dict(rows)
        return {user_id: counts.get(user_id, 0) for user_id in user_ids}

    return read.then(totals)


def unread_read(*, user_id: int, limit: int | None = None) -> rawsql.Read[list[Message]]:
    """The newest `limit` unread messages, oldest first (toast order), as a read.

    Plain SQL: every socket's handshake reads this, and compiling the ORM query cost
    more CPU than running it (rawsql)."""
    limit = limit or settings.NOTIFICATIONS_SYNC_LIMIT
    read = rawsql.newest_read(Message, equal={"recipient": user_id}, null=UNREAD_NULL, limit=limit)
    return read.then(lambda newest: list(reversed(newest)))


def unread_messages(*, user_id: int, limit: int | None = None) -> list[Message]:
    """`unread_read`, run now."""
    return unread_read(user_id=user_id, limit=limit).run()


def quiet_ids(messages: Iterable[Message], *, user_id: int) -> set[int]:
    """The ids of `messages` the user's preferences hold from toasting now (a level turned
    off, do not disturb, a muted thread): the server decides `toast` for a page load and a
    sync as it does for a live frame (frames.notification_frames)."""
    messages = list(messages)
    muted = follows.muted_pairs({(user_id, m.group) for m in messages if m.group})
    return quiet_among(messages, preferences.snapshot_for(user_id), muted)


def quiet_among(
    messages: list[Message], snapshot: preferences.PreferenceSnapshot, muted: set[tuple[int, str]]
) -> set[int]:
    """`quiet_ids` from what was read: one user's preferences and muted (user, key) pairs."""
    now = timezone.now()
    return {
        m.pk
        for m in messages
        if not snapshot.shows_toast(m.level, now) or (m.recipient_id, m.group) in muted
    }


def sync_frame(*, user_id: int) -> dict[str, Any]:
    """The `sync` frame: the unread set (capped) and the true unread total; a message its
    user's preferences hold from toasting carries `toast: false`.

    One round trip when nothing is unread (every socket's handshake reads this), two
    otherwise."""
    return sync_frames([user_id])[0]


def sync_frames(user_ids: list[int]) -> list[dict[str, Any]]:
    """`sync_frame` for each user, in order, read together: every unread set in one round
    trip on PostgreSQL (`fetch`), then what the frames of those with unread messages need
    (totals past the cap, preferences, mutes) in one more. A socket reader hands over the
    handshakes of a turn of the loop at once (consumers/readers.py `run_each`)."""
    limit = settings.NOTIFICATIONS_SYNC_LIMIT
    unread: list[list[Message]] = fetch([unread_read(user_id=u, limit=limit) for u in user_ids])
    read = list(zip(user_ids, unread, strict=True))
    some = {u for u, messages in read if messages}
    counts: dict[int, int] = {}
    snapshots: dict[int, preferences.PreferenceSnapshot] = {}
    muted: set[tuple[int, str]] = set()
    if some:
        # Under the cap a list is the whole set; only a full list needs the counter.
        full = {u for u, messages in read if len(messages) >= limit}
        pairs = {(u, m.group) for u, messages in read for m in messages if m.group}
        counts, snapshots, muted = fetch(
            [
                unread_counts_read(full),
                preferences.snapshots_read(some),
                follows.muted_read(pairs),
            ]
        )
    frames = []
    for user_id, messages in read:
        quiet = quiet_among(messages, snapshots[user_id], muted) if messages else set()
        count = counts[user_id] if len(messages) >= limit else len(messages)
        payloads = [
            {**m.to_payload(), "toast": False} if m.pk in quiet else m.to_payload()
            for m in messages
        ]
        frames.append({"type": "sync", "unread": payloads, "unread_count": count})
    return frames


def message_count(*, user_id: int) -> int:
    """How many messages the user has, archived ones included."""
    return Message.objects.for_user(user_id).count()


def owns_message(*, user_id: int, message_id: int) -> bool:
    return is_id(message_id) and Message.objects.for_user(user_id).filter(pk=message_id).exists()


MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class InboxPage:
    """One page of a user's messages, newest first; `next_before` is the cursor or None."""

    messages: list[Message]
    next_before: int | None


class Narrowing(Protocol):
    """What narrows a page's messages (search.Filters): this app knows no search app."""

    def apply(self, queryset: QuerySet[Message]) -> QuerySet[Message]: ...


def inbox_page(
    *,
    user_id: int,
    before: int | None = None,
    limit: int | None = None,
    unread_only: bool = False,
    archived: bool = False,
    threads: bool = False,
    snoozed: bool = False,
    filters: "Narrowing | None" = None,
) -> InboxPage:
    """Messages with id < `before`, newest first: keyset pagination on the id.

    The default inbox leaves archived and snoozed messages out; `archived=True` or
    `snoozed=True` lists only those; `filters` (search.Filters, parsed at the edge) narrow any view.
    A cursor stays correct while rows arrive or change above it, where OFFSET would
    repeat or skip rows; and the (recipient, -id) index serves every page. With
    `threads`, a thread's older members are left out: its row is its newest message
    (`newest_only`), placed by that id.
    """
    limit = max(1, min(limit or settings.NOTIFICATIONS_PAGE_SIZE, MAX_PAGE_SIZE))
    queryset = Message.objects.for_user(user_id)
    if archived:
        queryset = queryset.archived()
    elif snoozed:
        queryset = queryset.snoozed()
    else:
        queryset = queryset.in_inbox()
    if filters is not None:
        queryset = filters.apply(queryset)
    if unread_only:
        queryset = queryset.unread()
    if threads:  # before the cursor: a thread's newest member may be on an earlier page
        queryset = newest_only(queryset)
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    # One row more than asked tells whether an older page exists, without a COUNT.
    rows = list(queryset.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return InboxPage(messages=rows, next_before=rows[-1].pk if more else None)


def newest_only(queryset: QuerySet[Message]) -> QuerySet[Message]:
    """`queryset` without messages that have a newer member of their thread in it: a
    thread's row is its newest message (the inbox's thread rows, inbox/inbox_threads.py)."""
    newer = queryset.filter(
        recipient_id=OuterRef("recipient_id"), group=OuterRef("group"), id__gt=OuterRef("id")
    )
    # `newer` matches only grouped rows, so a message without a group is never left out.
    return queryset.exclude(Exists(newer.exclude(group="")))


def inbox_page_showing(*, user_id: int, message_id: int, threads: bool = False) -> InboxPage:
    """The newest page, made long enough to reach `message_id` when at most MAX_PAGE_SIZE
    rows are newer; else the page that starts at it. "Show all" of a toast lands here, with
    the messages that arrived after it still above it."""
    newer = Message.objects.for_user(user_id).in_inbox().filter(id__gt=message_id).count()
    if newer < MAX_PAGE_SIZE:
        size = max(settings.NOTIFICATIONS_PAGE_SIZE, newer + 1)
        return inbox_page(user_id=user_id, limit=size, threads=threads)
    return inbox_page(user_id=user_id, before=message_id + 1, threads=threads)


def message_for_user(*, user_id: int, message_id: int) -> Message | None:
    """The user's own message with this id, or None (another user's looks unknown)."""
    if not is_id(message_id):
        return None
    return Message.objects.for_user(user_id).filter(pk=message_id).first()


def active_ids_by_username(names: Iterable[str]) -> dict[str, int]:
    """{username: id} of the active users among `names`, in one query."""
    names = set(names)
    if not names:
        return {}
    model = get_user_model()
    field = model.USERNAME_FIELD
    # Raw SQL from the model (sqlreads/rawsql.py): once per SNS batch.
    return dict(
        rawsql.rows_in(model, [field, "pk"], key=field, values=names, equal={"is_active": True})
    )


class UnknownRecipients(LookupError):
    """A fan-out named users or a group that do not exist (or users who are inactive)."""


def recipient_ids(
    *, usernames: list[str] | None = None, all_active: bool = False, group: str | None = None
) -> list[int]:
    """The ids of the active users a fan-out names: exactly one of a list of usernames
    (every one must be an active user), every active user, or a Django group's members."""
    users = get_user_model()._default_manager.filter(is_active=True)
    if all_active:
        return list(users.order_by("pk").values_list("pk", flat=True))
    if group is not None:
        if not Group.objects.filter(name=group).exists():
            raise UnknownRecipients(f"unknown group {group[:150]!r}")
        return list(users.filter(groups__name=group).order_by("pk").values_list("pk", flat=True))
    wanted = set(usernames or [])
    found = active_ids_by_username(wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        shown = ", ".join(repr(name[:150]) for name in missing[:5])
        raise UnknownRecipients(
            f"unknown or inactive users: {shown}" + (" …" if len(missing) > 5 else "")
        )
    return sorted(found.values())
