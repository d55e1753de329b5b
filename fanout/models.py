from django.db import models

from notifications.models import Level


class FanOutJob(models.Model):
    """A notify-many request too big for one request (`POST /api/notify/` past
    NOTIFY_FANOUT_INLINE_MAX recipients): accepted with 202, written in steps by
    fanout/jobs.py, each step its own short transaction. `after` is the last
    user id done (recipients go in id order), so a step resumes where the last stopped."""

    text = models.CharField(max_length=1000)
    level = models.CharField(max_length=7, choices=Level.choices, default=Level.INFO)
    link = models.CharField(max_length=500, blank=True, default="")
    source_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    # The recipients as asked: {"all_active": true}, {"group": name} or {"usernames": [...]}.
    targets = models.JSONField()
    recipients = models.PositiveIntegerField()  # counted when accepted
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)  # messages stored (repeats excluded)
    after = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notifications_fanoutjob"  # moved from notifications/ with its rows

    def __str__(self) -> str:
        return f"fan-out {self.pk}: {self.processed}/{self.recipients}"
