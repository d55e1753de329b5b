"""Send dead outbound webhook events again (all, or the ids given), as the admin action does."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbound import sender


class Command(BaseCommand):
    help = "Re-drive dead outbound webhook events: due now, with a fresh attempt count."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="event ids (default: every dead one)")

    def handle(self, *args: Any, ids: list[int], **options: Any) -> None:
        count = sender.redrive(ids=ids or None)
        self.stdout.write(f"re-drove {count} dead webhook events")
