"""POST due outbound webhook events; with --every, a worker process (Procfile `webhooks`)."""

import base64
import secrets
from typing import Any

from django.core.management.base import CommandParser

from outbound import sender
from workers.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Deliver due outbound webhook events (docs/webhooks-outbound.md)."
    batch = sender.BATCH
    done = "sent {} webhook events"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--new-secret",
            action="store_true",
            help="print a new OUTBOUND_WEBHOOK_SECRET (whsec_<base64 of 32 bytes>) and exit",
        )

    def handle(self, *args: Any, new_secret: bool = False, **options: Any) -> None:
        if new_secret:
            self.stdout.write("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())
            return
        super().handle(*args, **options)

    def run_once(self) -> int:
        sent = sender.deliver_due()
        if sent < self.batch:  # an idle pass: also forget what was delivered long ago
            sender.purge_delivered()
        return sent
