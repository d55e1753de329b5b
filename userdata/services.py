"""A user's data, out and gone: export everything we hold about their notifications, or
erase every message and the unread counter (docs/api.md, "Your data").

Erasing goes through `services.delete` in slices, each its own short transaction: the
same rows, counter triggers, `deleted` frames and lifecycle events as any delete, and a
user with 100,000 messages never holds one long transaction over their counter row (nor
the writers of other users behind it). A final `sync` (empty) tells every socket of the
user to drop whatever it still shows.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

import live
from notifications import preferences, selectors, services
from notifications.models import Follow, Message, UnreadCounter

# Messages deleted per transaction by `erase` (and read per query by `export`).
SLICE = 1000
EXPORT_FIELDS = (
    "id",
    "text",
    "level",
    "link",
    "source_id",
    "collapse_key",
    "created_at",
    "updated_at",
    "read_at",
    "seen_at",
    "archived_at",
    "group",
    "actions",
    "acted",
    "acted_at",
    "snoozed_until",
)

# Other apps add their part of an export without this app knowing them: sent with
# `user=`, each receiver returns {key: JSON value} (offline/: "push_subscriptions").
exporting = Signal()


def export(*, user: AbstractBaseUser) -> dict[str, Any]:
    """Everything about the user's notifications: messages (archived too, oldest first),
    preferences, what other apps add (Web Push subscriptions), thread choices and the
    unread count, as JSON types."""
    data: dict[str, Any] = {
        "user": {"id": user.pk, "username": user.get_username()},
        "exported_at": timezone.now().isoformat(),
        "unread_count": selectors.unread_count(user_id=user.pk),
        "preferences": preferences.snapshot_for(user.pk).to_json(),
    }
    for _, sections in exporting.send(sender=None, user=user):
        data.update(sections)
    return {
        **data,
        "messages": list(_messages(user.pk)),
        # Threads the user chose to follow, unfollow or mute (docs/inbox.md).
        "threads": [
            {"key": key, "following": following, "muted": muted}
            for key, following, muted in Follow.objects.filter(user_id=user.pk)
            .order_by("key")
            .values_list("key", "following", "muted")
        ],
    }


def _messages(user_id: int) -> Iterator[dict[str, Any]]:
    rows = Message.objects.for_user(user_id).order_by("id").values_list(*EXPORT_FIELDS)
    for row in rows.iterator(chunk_size=SLICE):
        yield {name: _iso(value) for name, value in zip(EXPORT_FIELDS, row, strict=True)}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def erase(*, user: AbstractBaseUser) -> int:
    """Delete every message of the user, their unread counter and thread choices; returns
    how many messages. Each open socket of the user gets `deleted` frames, then an empty `sync`."""
    erased = 0
    while True:
        ids = list(
            Message.objects.for_user(user.pk).order_by("id").values_list("id", flat=True)[:SLICE]
        )
        if not ids:
            break
        erased += len(services.delete(user=user, ids=ids))
    with transaction.atomic():
        # The triggers brought it to 0 with the last delete; the row itself goes too (no
        # row reads as 0, and the next message makes a new one).
        UnreadCounter.objects.filter(user_id=user.pk).delete()
        Follow.objects.filter(user_id=user.pk).delete()  # their thread choices go too
        live.send_on_commit(user.pk, selectors.sync_frame(user_id=user.pk))
    return erased
