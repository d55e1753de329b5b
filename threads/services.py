"""The writers of threads: follow, unfollow, mute, unmute, and notify a key's followers.

A thread is the user's messages with one `group` key (Message.group); the inbox shows it
as one row (notifications.selectors.newest_only, inbox/inbox_threads.py). A user follows
a key they were notified about; a `Follow` row records a choice since (docs/inbox.md,
"Follow and mute"). Muting changes no message and no count: new messages of a muted
thread are stored, listed and counted as unread, but never toasted (`toast: false`), sent
by Web Push or emailed.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

import live
from notifications import bulk, follows, frames
from notifications.models import Follow, Level
from notifications.validators import InvalidNotification, clean_group


def _key(key: str) -> str:
    key = clean_group(key)
    if not key:
        raise InvalidNotification("a thread key is required")
    return key


def _set(user: AbstractBaseUser, key: str, **fields: bool) -> Follow:
    key = _key(key)
    with transaction.atomic():
        row, _ = Follow.objects.update_or_create(user_id=user.pk, key=key, defaults=fields)
    return row


def follow(*, user: AbstractBaseUser, key: str) -> None:
    """The user follows `key` (a producer calls this for what the user created)."""
    _set(user, key, following=True)


def unfollow(*, user: AbstractBaseUser, key: str) -> None:
    """The user no longer follows `key`: `notify_followers` leaves them out."""
    _set(user, key, following=False)


def mute(*, user: AbstractBaseUser, key: str) -> None:
    """Mute the user's thread `key` (no toast, Web Push or email; still listed and
    counted); every tab of the user gets a `muted` frame."""
    _set_muted(user, key, muted=True)


def unmute(*, user: AbstractBaseUser, key: str) -> None:
    """Undo `mute`; every tab of the user gets a `muted` frame with `muted: false`."""
    _set_muted(user, key, muted=False)


def _set_muted(user: AbstractBaseUser, key: str, *, muted: bool) -> None:
    key = _key(key)
    with transaction.atomic():
        Follow.objects.update_or_create(user_id=user.pk, key=key, defaults={"muted": muted})
        live.send_on_commit(user.pk, frames.muted_frame(key, muted))


def notify_followers(
    *,
    key: str,
    text: str,
    level: str = Level.INFO,
    link: str = "",
    source_id: str | None = None,
    exclude: int | None = None,
) -> bulk.FanOut:
    """One message in thread `key` for each active follower (follows.follower_ids), but
    `exclude` (the user who caused it); once per follower and source_id. Raises
    InvalidNotification."""
    key = _key(key)
    ids = [pk for pk in follows.follower_ids(key=key) if pk != exclude]
    for attempt in range(3):
        try:
            with transaction.atomic():
                result, sends = bulk.fan_out(
                    ids, text=text, level=level, link=link, source_id=source_id, group=key
                )
                live.send_many_on_commit(sends)
            return result
        except IntegrityError:
            # The same call (one source_id) ran at once elsewhere: those are repeats now.
            if not source_id or attempt == 2:
                raise
    raise AssertionError("unreachable")
