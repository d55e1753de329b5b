"""Delete read messages older than the retention period (docs/inbox.md, "Retention")."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from notifications.models import Message

logger = logging.getLogger(__name__)

# Small batches keep each DELETE short, so producers writing meanwhile never wait long.
BATCH = 1000


class Command(BaseCommand):
    help = "Delete read notifications created more than N days ago (unread ones are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="age in days (default: NOTIFICATIONS_RETENTION_DAYS, 90)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        days = settings.NOTIFICATIONS_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1")
        cutoff = timezone.now() - timedelta(days=days)
        expired = Message.objects.filter(read_at__isnull=False, created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"would delete {expired.count()} read messages older than {days} days"
            )
            return
        deleted = 0
        while True:
            ids = list(expired.order_by("id").values_list("id", flat=True)[:BATCH])
            if not ids:
                break
            # Re-filtered: a message marked unread since the SELECT is kept. Messages only
            # are counted, not the rows that go with them (what Web Push or email took).
            _, per_model = expired.filter(id__in=ids).delete()
            deleted += per_model.get(Message._meta.label, 0)
        logger.info("purged %s read messages older than %s days", deleted, days)
        self.stdout.write(f"deleted {deleted} read messages older than {days} days")
