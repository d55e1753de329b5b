from django.db import models


class ProcessedMessage(models.Model):
    """One SNS MessageId we acted on. Written in the same transaction as the effects."""

    # The unique constraint is the exactly-once guarantee: SNS retries reuse the id.
    message_id = models.CharField(max_length=36, unique=True)
    type = models.CharField(max_length=32)
    topic_arn = models.CharField(max_length=300)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class UnmatchedMessage(models.Model):
    """A verified Notification we could not apply: kept for an operator to re-drive."""

    message_id = models.CharField(max_length=36, unique=True)
    topic_arn = models.CharField(max_length=300)
    subject = models.CharField(max_length=100, blank=True, default="")
    # The Notification's Message exactly as signed; re-drive parses it again.
    message = models.TextField()
    reason = models.CharField(max_length=500)
    received_at = models.DateTimeField(auto_now_add=True)
    redrive_count = models.PositiveIntegerField(default=0)
    last_redrive_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.reason[:60]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
