"""Push unread messages to subscribed browsers (docs/inbox.md, "Web Push")."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from notifications.webpush import send as push


class Command(BaseCommand):
    help = "Web Push each unread message older than WEBPUSH_DELAY_SECONDS, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep running, one pass every SECONDS (for a worker process); default: once",
        )

    def handle(self, *args: Any, every: float, verbosity: int, **options: Any) -> None:
        if push.vapid_config() is None:
            self.stdout.write(
                "Web Push is off (set WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY): "
                "nothing pushed"
            )
            while every > 0:
                # A worker process that exits is restarted in a loop by the platform: idle.
                time.sleep(3600)
            return
        while True:
            pushed = push.push_unread()
            if verbosity >= 1:
                self.stdout.write(f"pushed {pushed} messages")
            if every <= 0:
                return
            # Back to the pool between passes, so a database restart heals by itself.
            connections.close_all()
            if pushed < push.BATCH:  # a full batch means more are waiting
                time.sleep(every)
