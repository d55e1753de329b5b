"""Email a digest of unread messages to each user (docs/inbox.md, "Email")."""

from django.utils import timezone

from offline import digest
from workers.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Email each user one digest of the messages still unread "
        "NOTIFICATIONS_EMAIL_DELAY_SECONDS after they were created, each message once."
    )
    batch = digest.BATCH
    done = "emailed {} messages"

    def run_once(self) -> int:
        return digest.email_unread()

    def why_none(self) -> str:
        return digest.why_nothing(now=timezone.now())
