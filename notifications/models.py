from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models import sql

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
    INFO = "info", "Info"
    SUCCESS = "success", "Success"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class MessageQuerySet(models.QuerySet["Message"]):
    def for_user(self, user_id: int) -> "MessageQuerySet":
        return self.filter(recipient_id=user_id)

    def unread(self) -> "MessageQuerySet":
        """Unread and not archived: what the badge counts (counters.UNREAD, the same rule)."""
        return self.filter(read_at__isnull=True, archived_at__isnull=True)

    def in_inbox(self) -> "MessageQuerySet":
        """The default inbox: every message not archived."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "MessageQuerySet":
        return self.filter(archived_at__isnull=False)

    def update_returning_ids(self, **values: Any) -> list[int]:
        """update(), in one statement that returns the ids of the rows it changed.

        `UPDATE ... RETURNING` (PostgreSQL, SQLite 3.35+): the rows are locked and their
        filter re-checked by the update itself, so two concurrent calls never both claim
        a row, without a SELECT ... FOR UPDATE and a transaction around it.
        """
        query = self.order_by().query.chain(sql.UpdateQuery)
        query.add_update_values(values)
        statement, params = query.get_compiler(self.db).as_sql()
        if not statement:
            return []
        connection = connections[self.db]
        pk = connection.ops.quote_name(self.model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"{statement} RETURNING {pk}", params)
            return sorted(row[0] for row in cursor.fetchall())


class Message(models.Model):
    """One notification for one user. The database is the truth; pushes are hints."""

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
    # Set when Web Push takes the message (notifications/webpush), so it is pushed at most once.
    pushed_at = models.DateTimeField(null=True, blank=True)
    # Hidden from the default inbox but kept; an archived message never counts as unread.
    archived_at = models.DateTimeField(null=True, blank=True)

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
        """The protocol's `msg` object: JSON types only (it crosses Redis)."""
        return {
            "id": self.pk,
            "text": self.text,
            "level": self.level,
            "link": self.link,
            "created_at": self.created_at.isoformat(),
        }


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


class PushSubscription(models.Model):
    """One browser's Web Push subscription (docs/inbox.md, "Web Push")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # The push service's URL for this browser; one browser is one subscription.
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:60]}"


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


class EmailedMessage(models.Model):
    """A message taken by the email digest (notifications.digest): emailed at most once.

    A table of its own rather than a column on Message, so the digest never writes to
    the hot table and purging a message drops its row with it.
    """

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="emailed"
    )
    emailed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.message_id} emailed at {self.emailed_at:%Y-%m-%d %H:%M}"
