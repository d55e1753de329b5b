"""Per-user notification preferences: what each channel may do (docs/inbox.md, "Preferences").

Read side: `snapshots_for(user_ids)` loads many users in one query into immutable
`PreferenceSnapshot`s whose methods are pure decisions (the live path asks
`shows_toast`, Web Push and email filter with `webpush_held` / `email_held` in SQL).
Write side: `update_preferences` and `set_quiet`. A user without a row has the defaults:
every level toasts and pushes, email on, no do-not-disturb.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from notifications import follows
from notifications.models import LEVELS, NotificationPreference
from sqlreads import rawsql

# Do-not-disturb choices: "1h", or until this hour tomorrow in the user's time zone.
QUIET_FOR = ("1h", "tomorrow", "off")
TOMORROW_AT = time(8, 0)


class InvalidPreferences(ValueError):
    """A change the client sent that we will not store; the text says which part."""


@dataclass(frozen=True)
class PreferenceSnapshot:
    """One user's preferences at one moment; every method is a pure decision."""

    toast_levels: frozenset[str] = frozenset(LEVELS)
    webpush_levels: frozenset[str] = frozenset(LEVELS)
    email: bool = True
    quiet_until: datetime | None = None

    def is_quiet(self, now: datetime) -> bool:
        """Do not disturb is on at `now`."""
        return self.quiet_until is not None and now < self.quiet_until

    def shows_toast(self, level: str, now: datetime) -> bool:
        """A new message of `level` shows as a toast (False: into the inbox quietly)."""
        return level in self.toast_levels and not self.is_quiet(now)

    def wants_webpush(self, level: str, now: datetime) -> bool:
        """A message of `level` may be sent by Web Push at `now`."""
        return level in self.webpush_levels and not self.is_quiet(now)

    def wants_email(self, now: datetime) -> bool:
        """Unread messages may be emailed at `now`."""
        return self.email and not self.is_quiet(now)

    def to_json(self) -> dict[str, Any]:
        """The API's representation (docs/api.md, "Preferences")."""
        return {
            "toast": {level: level in self.toast_levels for level in LEVELS},
            "webpush": {level: level in self.webpush_levels for level in LEVELS},
            "email": self.email,
            "quiet_until": self.quiet_until.isoformat() if self.quiet_until else None,
        }


DEFAULTS = PreferenceSnapshot()


def _snapshot(row: NotificationPreference) -> PreferenceSnapshot:
    return PreferenceSnapshot(
        toast_levels=frozenset(lv for lv in LEVELS if getattr(row, f"toast_{lv}")),
        webpush_levels=frozenset(lv for lv in LEVELS if getattr(row, f"push_{lv}")),
        email=row.email,
        quiet_until=row.quiet_until,
    )


def snapshots_for(user_ids: Iterable[int]) -> dict[int, PreferenceSnapshot]:
    """Every given user's preferences, in one query; users without a row get DEFAULTS."""
    return snapshots_read(user_ids).run()


def snapshots_read(
    user_ids: Iterable[int] | rawsql.Keys,
) -> rawsql.Read[dict[int, PreferenceSnapshot]]:
    """`snapshots_for` as a read to run later, or after a write in its round trip; for
    users given as a subquery, a mapping that answers DEFAULTS for a user with no row."""
    if isinstance(user_ids, rawsql.Keys):
        by_query = rawsql.instances_read(NotificationPreference, key="user", values=user_ids)
        return by_query.then(
            lambda rows: defaultdict(
                lambda: DEFAULTS, {row.user_id: _snapshot(row) for row in rows}
            )
        )
    ids = set(user_ids)
    # Raw SQL from the model (sqlreads/rawsql.py): read once per writer batch.
    read = rawsql.instances_read(NotificationPreference, key="user", values=ids)

    def snapshots(rows: list[NotificationPreference]) -> dict[int, PreferenceSnapshot]:
        found = {row.user_id: _snapshot(row) for row in rows}
        return {user_id: found.get(user_id, DEFAULTS) for user_id in ids}

    return read.then(snapshots)


def snapshot_for(user_id: int) -> PreferenceSnapshot:
    """One user's preferences (one query)."""
    return snapshots_for([user_id])[user_id]


# --- SQL filters for the batch senders (a message's recipient and level, held or not) ---
def _prefs_of_recipient() -> QuerySet[NotificationPreference]:
    return NotificationPreference.objects.filter(user_id=OuterRef("recipient_id"))


def webpush_held(messages: QuerySet, *, now: datetime) -> QuerySet:
    """`messages` without those their recipient's preferences hold from Web Push at `now`.

    Same decision as `PreferenceSnapshot.wants_webpush`, in SQL, so held messages never
    fill a batch: they wait (do not disturb) or are never pushed (level off, a muted
    thread).
    """
    prefs = _prefs_of_recipient()
    messages = follows.unmuted(messages).exclude(Exists(prefs.filter(quiet_until__gt=now)))
    for level in LEVELS:
        messages = messages.exclude(Exists(prefs.filter(**{f"push_{level}": False})), level=level)
    return messages


def email_held(messages: QuerySet, *, now: datetime) -> QuerySet:
    """`messages` without those whose recipient wants no email at `now` (`wants_email`),
    nor those of a thread they muted."""
    return follows.unmuted(messages).exclude(
        Exists(_prefs_of_recipient().filter(Q(email=False) | Q(quiet_until__gt=now)))
    )


def email_delay_text() -> str:
    """NOTIFICATIONS_EMAIL_DELAY_SECONDS as the preferences page and the digest's footer
    say it, in the active language: "30 seconds", "2 hours"."""
    seconds = settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS
    if seconds >= 3600 and seconds % 3600 == 0:
        n = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    if seconds >= 60 and seconds % 60 == 0:
        n = seconds // 60
        return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
    if seconds >= 60:
        n = round(seconds / 60)
        return ngettext("about %(n)d minute", "about %(n)d minutes", n) % {"n": n}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


# --- writes -----------------------------------------------------------------------------
def _bool_map(value: Any, name: str) -> dict[str, bool]:
    if not isinstance(value, Mapping) or not all(
        key in LEVELS and isinstance(flag, bool) for key, flag in value.items()
    ):
        raise InvalidPreferences(f"'{name}' must map levels ({', '.join(LEVELS)}) to true or false")
    return dict(value)


def update_preferences(*, user: AbstractBaseUser, changes: Mapping[str, Any]) -> PreferenceSnapshot:
    """Apply a partial change ({"toast": {level: bool}, "webpush": {...}, "email": bool})."""
    unknown = set(changes) - {"toast", "webpush", "email"}
    if unknown:
        raise InvalidPreferences(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    fields: dict[str, bool] = {}
    for name, prefix in (("toast", "toast"), ("webpush", "push")):
        if name in changes:
            for level, flag in _bool_map(changes[name], name).items():
                fields[f"{prefix}_{level}"] = flag
    if "email" in changes:
        if not isinstance(changes["email"], bool):
            raise InvalidPreferences("'email' must be true or false")
        fields["email"] = changes["email"]
    row, created = NotificationPreference.objects.get_or_create(user=user, defaults=fields)
    if not created and fields:
        for name, flag in fields.items():
            setattr(row, name, flag)
        row.save(update_fields=[*fields, "updated_at"])
    return _snapshot(row)


def quiet_until_for(choice: str, *, now: datetime, tz: str = "") -> datetime | None:
    """When do-not-disturb `choice` ends: "1h", "tomorrow" (8:00 in `tz`), "off" (None)."""
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "off":
        return None
    if choice != "tomorrow":
        raise InvalidPreferences(f"'for' must be one of {', '.join(QUIET_FOR)}")
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidPreferences("'tz' must be an IANA time zone name") from exc
    local = now.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), TOMORROW_AT, tzinfo=zone)


def set_quiet(
    *, user: AbstractBaseUser, choice: str, tz: str = "", now: datetime | None = None
) -> PreferenceSnapshot:
    """Turn do-not-disturb on for `choice` ("1h", "tomorrow") or off ("off")."""
    until = quiet_until_for(choice, now=now or timezone.now(), tz=tz)
    row, created = NotificationPreference.objects.get_or_create(
        user=user, defaults={"quiet_until": until}
    )
    if not created:
        row.quiet_until = until
        row.save(update_fields=["quiet_until", "updated_at"])
    return _snapshot(row)
