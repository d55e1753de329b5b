"""Wake snoozed messages whose time has come (docs/inbox.md, "Snooze")."""

from snooze import services as snooze
from workers.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Bring back, unread and live, every snoozed message whose time has come; once each."
    batch = snooze.BATCH
    done = "woke {} messages"

    def run_once(self) -> int:
        return snooze.wake_due()
