from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.utils.translation import gettext_lazy

# A message is unread while these are all NULL: `unread()`, `set_returning_ids(null=...)`
# and the counter's triggers (notifications/counters.py, UNREAD) say the same.
UNREAD_NULL = {"read_at": True, "archived_at": True, "snoozed_until": True}

# The largest id a BigAutoField holds: anything above it is unknown, never an error.
MAX_ID = 2**63 - 1


def is_id(value: Any) -> bool:
    """A value that can be a message id: an int (not a bool) in 1..MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_ids(value: Any) -> list[int]:
    """The `ids` a client sent (socket frame or API body); ValueError unless 1..N ids."""
    limit = settings.NOTIFICATIONS_MAX_ACK_IDS
    if not isinstance(value, list) or not 1 <= len(value) <= limit or not all(map(is_id, value)):
        raise ValueError(f"'ids' must be a list of 1 to {limit} positive integer ids")
    return value


class Level(models.TextChoices):
    INFO = "info", gettext_lazy("Info")
    SUCCESS = "success", gettext_lazy("Success")
    WARNING = "warning", gettext_lazy("Warning")
    ERROR = "error", gettext_lazy("Error")


# The level names, made once: `Level.values` builds its list (labels too) anew on each use,
# ~7 % of the writer's CPU per delivery when validation asked for it per call.
LEVELS: tuple[str, ...] = tuple(Level.values)


class MessageQuerySet(models.QuerySet["Message"]):
    def for_user(self, user_id: int) -> "MessageQuerySet":
        return self.filter(recipient_id=user_id)

    def unread(self) -> "MessageQuerySet":
        """Unread, not archived, not snoozed: what the badge counts (counters.UNREAD)."""
        return self.filter(**{f"{name}__isnull": True for name in UNREAD_NULL})

    def in_inbox(self) -> "MessageQuerySet":
        """The default inbox: every message neither archived nor snoozed."""
        return self.filter(archived_at__isnull=True, snoozed_until__isnull=True)

    def snoozed(self) -> "MessageQuerySet":
        """The *Snoozed* view: messages away until their time (snooze/services.py)."""
        return self.filter(archived_at__isnull=True, snoozed_until__isnull=False)

    def archived(self) -> "MessageQuerySet":
        return self.filter(archived_at__isnull=False)

    def set_returning_ids(
        self,
        *,
        values: Mapping[str, Any],
        owners: Mapping[int, Iterable[int] | None],
        null: Mapping[str, bool],
    ) -> list[int]:
        """Set `values` on the owners' messages, in one statement; the ids it changed.

        `owners` maps a user id to the ids of theirs to change (None: all of theirs): the
        recipient is in the filter, so another user's id changes nothing. `null` maps a
        column to True (must be NULL) or False (must not be). `UPDATE ... RETURNING`
        (PostgreSQL, SQLite 3.35+) locks each row and re-checks the filter itself, so two
        concurrent calls never both claim a row, with no SELECT ... FOR UPDATE before it.
        Raw SQL because Django has no UPDATE ... RETURNING; built from the model's own
        field names and prepared values only.
        """
        update = self.update_returning_ids(values=values, owners=owners, null=null)
        if update is None:
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(*update)
            return sorted(row[0] for row in cursor.fetchall())

    def update_returning_ids(
        self,
        *,
        values: Mapping[str, Any],
        owners: Mapping[int, Iterable[int] | None],
        null: Mapping[str, bool],
    ) -> tuple[str, list[Any]] | None:
        """`set_returning_ids`'s statement and parameters, not run (None: nothing to set)."""
        if not owners:
            return None
        connection = connections[self.db]
        quote = connection.ops.quote_name
        fields = {name: self.model._meta.get_field(name) for name in (*values, *null)}
        assignments = ", ".join(f"{quote(fields[name].column)} = %s" for name in values)
        params: list[Any] = [
            fields[name].get_db_prep_save(value, connection) for name, value in values.items()
        ]
        groups = []
        for user_id, ids in owners.items():
            if ids is None:
                groups.append("recipient_id = %s")
                params.append(user_id)
            else:
                ids = list(ids)
                if not ids:
                    continue
                groups.append(f"(recipient_id = %s AND id IN ({', '.join(['%s'] * len(ids))}))")
                params += [user_id, *ids]
        if not groups:
            return None
        checks = [
            f"{quote(fields[name].column)} IS {'' if is_null else 'NOT '}NULL"
            for name, is_null in null.items()
        ]
        where = " AND ".join([f"({' OR '.join(groups)})", *checks])
        table = quote(self.model._meta.db_table)
        return f"UPDATE {table} SET {assignments} WHERE {where} RETURNING id", params  # noqa: S608


class Message(models.Model):
    """One notification for one user. The database is the truth; what is sent live is a
    hint (a client that missed it reads it on its next sync)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=1000)
    level = models.CharField(max_length=7, choices=Level.choices, default=Level.INFO)
    link = models.CharField(max_length=500, blank=True, default="")
    # Producers that may deliver twice (SNS is at-least-once) pass their own id here; it
    # is unique per recipient, so one producer's id can never name another user's message.
    # NULL, not "": the unique constraint must not hold between messages without one.
    source_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    # A later notification with the same key replaces this one in place (e.g. one per job).
    collapse_key = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Shown to the user (a toast visible in a focused tab) but not necessarily read.
    seen_at = models.DateTimeField(null=True, blank=True)
    # Hidden from the default inbox but kept; an archived message never counts as unread.
    archived_at = models.DateTimeField(null=True, blank=True)
    # The producer's thread key ("upload:42"): the inbox shows one row per group, toasts of
    # one group replace each other, and a muted group never toasts (docs/inbox.md, Threads).
    group = models.CharField(max_length=100, blank=True, default="")
    # Up to two buttons (validators.clean_actions; a click: threads/actions.py):
    # [{"label", "url"} or {"label", "post"}].
    actions = models.JSONField(default=list, blank=True)
    # When the user clicked one of the actions, and which (its index); once.
    acted_at = models.DateTimeField(null=True, blank=True)
    acted = models.PositiveSmallIntegerField(null=True, blank=True)
    # Snoozed: out of the inbox and the unread count until then, when it comes back as a
    # new unread message (snooze/services.py wakes it, once).
    snoozed_until = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # "This user's unread, newest first", and the unread count, from the index alone.
            models.Index(
                fields=["recipient", "-id"],
                condition=models.Q(read_at__isnull=True, archived_at__isnull=True),
                name="message_unread_idx",
            ),
            models.Index(fields=["recipient", "-id"], name="message_recipient_idx"),
            # A thread's members, and "who was notified about this key" (its followers).
            models.Index(
                fields=["group", "recipient"],
                condition=~models.Q(group=""),
                name="message_group_idx",
            ),
            # The wake-up's "due now" scan, over the few snoozed rows only.
            models.Index(
                fields=["snoozed_until"],
                condition=models.Q(snoozed_until__isnull=False),
                name="message_snoozed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="message_unique_source_id",
            ),
            models.UniqueConstraint(
                fields=["recipient", "collapse_key"],
                condition=~models.Q(collapse_key=""),
                name="message_unique_collapse_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text[:50]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def to_payload(self) -> dict[str, Any]:
        """The protocol's `msg` object: JSON types only (it crosses Redis).

        `group` and `actions` only when set: a message without them is the same object
        as before threads, and clients that predate them ignore the keys."""
        payload = {
            "id": self.pk,
            "text": self.text,
            "level": self.level,
            "link": self.link,
            "created_at": self.created_at.isoformat(),
        }
        if self.group:
            payload["group"] = self.group
        if self.actions:
            payload["actions"] = self.actions
            if self.acted is not None:
                payload["acted"] = self.acted
        return payload


class Follow(models.Model):
    """One user's choice about one thread key (docs/inbox.md, "Follow and mute").

    A user follows a key they were notified about (a message with that group) without a
    row; a row records what they chose since: to follow (a producer's "they created it"),
    to unfollow, to mute. Muted threads are still stored and listed, never toasted,
    pushed or emailed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    following = models.BooleanField(default=True)
    muted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="follow_unique_user_key"),
        ]
        indexes = [models.Index(fields=["key", "user"], name="follow_key_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {'mutes' if self.muted else 'follows'} {self.key}"


class UnreadCounter(models.Model):
    """A user's number of unread messages, kept by the database itself.

    Triggers on Message (notifications/counters.py) change it in the same transaction as
    every insert, update and delete of a message, whoever writes (services, the admin, a
    cascade), so reading it is one primary-key lookup where COUNT(*) grows with the unread
    set. A user with no row has never had an unread message.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    unread = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.unread} unread"


class NotificationPreference(models.Model):
    """One user's channel choices (docs/inbox.md, "Preferences"); no row: the defaults.

    Booleans, not a list of levels, so the Web Push and email runs can filter in SQL
    (notifications.preferences) on SQLite and PostgreSQL alike.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    toast_info = models.BooleanField(default=True)
    toast_success = models.BooleanField(default=True)
    toast_warning = models.BooleanField(default=True)
    toast_error = models.BooleanField(default=True)
    push_info = models.BooleanField(default=True)
    push_success = models.BooleanField(default=True)
    push_warning = models.BooleanField(default=True)
    push_error = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    # Do not disturb: toasts, Web Push and email held until then; the inbox is unchanged.
    quiet_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
