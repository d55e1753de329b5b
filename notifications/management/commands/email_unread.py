"""Email a digest of unread messages to each user (docs/inbox.md, "Email")."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from notifications import digest


class Command(BaseCommand):
    help = (
        "Email each user one digest of the messages still unread "
        "NOTIFICATIONS_EMAIL_DELAY_SECONDS after they were created, each message once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep running, one pass every SECONDS (for a worker process); default: once",
        )

    def handle(self, *args: Any, every: float, verbosity: int, **options: Any) -> None:
        while True:
            sent = digest.email_unread()
            if verbosity >= 1:
                self.stdout.write(f"emailed {sent} messages")
            if every <= 0:
                return
            # Back to the pool between passes, so a database restart heals by itself.
            connections.close_all()
            if sent < digest.BATCH:  # a full batch means more are waiting
                time.sleep(every)
