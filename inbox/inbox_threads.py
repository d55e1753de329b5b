"""Reads for the inbox's threads: one row per group key (docs/inbox.md, "Threads").

A thread row is its newest member in the view (All, Unread only, Archived), so keyset
pages on the id still work: `selectors.inbox_page(threads=True)` leaves the older members
out of the page's query, and `summaries` reads, for the page's thread rows, how many
updates each has, whether any is unread, its older members (for "expand") and whether it
is muted; `expand` turns a row's id into its thread's ids for the row's actions.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from notifications import follows
from notifications.models import Message, is_id

# Older members listed under an expanded row; the rest are a filter away (`expand`'s ids
# still cover every member, so actions act on the whole thread).
MEMBERS_SHOWN = 50
# Most ids one thread action expands to: a bound on one statement's parameters.
MAX_EXPANDED = 10_000


@dataclass
class Thread:
    key: str
    count: int = 0  # members in the view, this row's message included
    unread: bool = False
    muted: bool = False
    older: list[Message] = field(default_factory=list)  # newest first, at most MEMBERS_SHOWN
    ids: list[int] = field(default_factory=list)  # every member id in the view


def summaries(
    *, user_id: int, rows: Iterable[Message], archived: bool = False, unread_only: bool = False
) -> dict[int, Thread]:
    """{row id: its Thread} for the page's rows that belong to a thread, counting the
    members in the same view (All, Unread only, Archived). Two queries."""
    heads = {m.group: m.pk for m in rows if m.group}
    if not heads:
        return {}
    view = Message.objects.for_user(user_id)
    view = view.archived() if archived else view.in_inbox()
    view = view.unread() if unread_only else view
    threads = {pk: Thread(key=key) for key, pk in heads.items()}
    members = (
        view.filter(group__in=list(heads))
        .order_by("-id")
        .only("id", "group", "text", "level", "link", "created_at", "read_at", "archived_at")
    )
    by_key: dict[str, list[Message]] = defaultdict(list)
    for message in members:
        if message.pk <= heads[message.group]:
            by_key[message.group].append(message)
    muted = follows.muted_pairs({(user_id, key) for key in heads})
    for key, pk in heads.items():
        thread = threads[pk]
        listed = by_key.get(key, [])
        thread.count = len(listed)
        thread.ids = [m.pk for m in listed]
        thread.unread = any(m.read_at is None and m.archived_at is None for m in listed)
        thread.older = [m for m in listed if m.pk != pk][:MEMBERS_SHOWN]
        thread.muted = (user_id, key) in muted
    return threads


def expand(*, user_id: int, ids: Iterable[int]) -> list[int]:
    """`ids` and every other message of the user's in the same threads: what a thread
    row's read, archive and delete act on. Foreign ids stay in (the writers skip them)."""
    ids = list(ids)
    keys = set(
        Message.objects.for_user(user_id)
        .filter(pk__in=[i for i in ids if is_id(i)])  # the driver raises on others
        .exclude(group="")
        .values_list("group", flat=True)
    )
    if not keys:
        return ids
    members = (
        Message.objects.for_user(user_id)
        .filter(group__in=keys)
        .order_by("-id")
        .values_list("id", flat=True)[:MAX_EXPANDED]
    )
    return sorted(set(ids) | set(members))
