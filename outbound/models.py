"""The outbox: one row per lifecycle event, written in the transaction of its change."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEvent(models.Model):
    """An event to POST to OUTBOUND_WEBHOOK_URL, until it is delivered or dead.

    `body` is the exact JSON sent on every attempt (signed with the attempt's timestamp);
    `uid` makes the `webhook-id` receivers de-duplicate on. A pending row is due at
    `next_attempt_at`; a sender that claims it moves that time past its attempt (a lease),
    so a sender that dies mid-attempt leaves it due again, never lost.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        DEAD = "dead"

    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    redrive_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # The senders' one query: what is due, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="outbound_due",
            ),
            models.Index(fields=["state", "created_at"], name="outbound_state"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.type} ({self.state})"

    @property
    def webhook_id(self) -> str:
        return f"evt_{self.uid.hex}"
