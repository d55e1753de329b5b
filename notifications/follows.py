"""Reads of who follows and who muted a thread key (docs/inbox.md, "Follow and mute").

A user follows a key they were notified about (a message of theirs with that group) or
one they chose to follow (a `Follow` row, e.g. a producer's "they created it"), unless a
row says they unfollowed. Writes are in threads/services.py.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from notifications.models import Follow, Message
from sqlreads import rawsql


def muted_read(
    pairs: Iterable[tuple[int, str]] | rawsql.Keys,
) -> rawsql.Read[set[tuple[int, str]]]:
    """Which of the (user id, key) pairs are muted, as a read to run later (or in a
    write's round trip, a `sqlreads.Plan`): one query for a whole batch. For users
    given as a subquery, every (user id, key) they muted."""
    if isinstance(pairs, rawsql.Keys):
        by_query = rawsql.select_in(
            Follow, ["user", "key"], key="user", values=pairs, equal={"muted": True}
        )
        return by_query.then(lambda rows: {(u, k) for u, k in rows})
    pairs = set(pairs)
    read = rawsql.select_in(
        Follow, ["user", "key"], key="user", values={u for u, _ in pairs}, equal={"muted": True}
    )
    return read.then(lambda rows: {(u, k) for u, k in rows} & pairs)


def muted_pairs(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """`muted_read`, run now."""
    return muted_read(pairs).run()


def muted_keys(*, user_id: int) -> set[str]:
    """Every key the user has muted."""
    return set(Follow.objects.filter(user_id=user_id, muted=True).values_list("key", flat=True))


def is_muted(*, user_id: int, key: str) -> bool:
    return bool(key) and Follow.objects.filter(user_id=user_id, key=key, muted=True).exists()


def unmuted(messages: QuerySet[Message]) -> QuerySet[Message]:
    """`messages` without those in a thread their recipient muted (Web Push, email)."""
    muted = Follow.objects.filter(
        user_id=OuterRef("recipient_id"), key=OuterRef("group"), muted=True
    )
    return messages.exclude(Exists(muted))


def follower_ids(*, key: str) -> list[int]:
    """The active users who follow `key`, in id order (one query)."""
    notified = Message.objects.filter(recipient_id=OuterRef("pk"), group=key)
    chose = Follow.objects.filter(user_id=OuterRef("pk"), key=key)
    users = get_user_model()._default_manager.filter(is_active=True)
    return list(
        users.filter(Exists(chose.filter(following=True)) | Exists(notified))
        .exclude(Exists(chose.filter(following=False)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def follow_state(*, user_id: int, key: str) -> dict[str, object]:
    """The API's view of one key for one user: {"key", "following", "muted"}."""
    row = Follow.objects.filter(user_id=user_id, key=key).first()
    if row is not None:
        following = row.following
    else:
        following = Message.objects.filter(recipient_id=user_id, group=key).exists()
    return {"key": key, "following": following, "muted": bool(row and row.muted)}
