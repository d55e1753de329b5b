"""A command that runs one pass, or one pass every N seconds as a worker process."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections


class PeriodicCommand(BaseCommand):
    """Subclasses give `run_once()` (how many items it handled), `batch` and `done`."""

    batch: int  # a pass that handled this many stopped early: run again at once
    done: str  # e.g. "pushed {} messages"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep running, one pass every SECONDS (for a worker process); default: once",
        )

    def run_once(self) -> int:
        raise NotImplementedError

    def why_none(self) -> str:
        """Why a pass handled nothing, when a subclass can tell ("" otherwise)."""
        return ""

    def handle(self, *args: Any, every: float, verbosity: int, **options: Any) -> None:
        while True:
            count = self.run_once()
            if verbosity >= 1:
                why = self.why_none() if count == 0 else ""
                self.stdout.write(self.done.format(count) + (f": {why}" if why else ""))
            if every <= 0:
                return
            # Back to the pool between passes, so a database restart heals by itself.
            connections.close_all()
            if count < self.batch:  # a full batch means more are waiting
                time.sleep(every)
