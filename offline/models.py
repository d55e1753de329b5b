from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from notifications.models import Message


class Channel(models.TextChoices):
    """How a message reaches a user with no tab open."""

    PUSH = "push", gettext_lazy("Web Push")
    EMAIL = "email", gettext_lazy("Email")


class Taken(models.Model):
    """A message one channel took (offline/taken.py): sent by that channel at most once.

    A table of its own rather than columns on Message, so neither channel writes to the
    hot table, and purging a message drops its rows with it. Unique per (message,
    channel): two workers inserting the same row at once, one gets it, the other skips it.
    """

    # No index of its own: the unique (message, channel) index leads with the message.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="taken_once_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} taken by {self.channel} at {self.taken_at:%Y-%m-%d %H:%M}"


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

    class Meta:
        # Moved here from notifications/ with its table (migrations: no data moved).
        db_table = "notifications_pushsubscription"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:60]}"
