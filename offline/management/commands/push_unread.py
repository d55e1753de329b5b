"""Push unread messages to subscribed browsers (docs/inbox.md, "Web Push")."""

import time
from typing import Any

from offline.webpush import send as push
from workers.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Web Push each unread message older than WEBPUSH_DELAY_SECONDS, once."
    batch = push.BATCH
    done = "pushed {} messages"

    def run_once(self) -> int:
        return push.push_unread()

    def handle(self, *args: Any, every: float, **options: Any) -> None:
        if push.vapid_config() is None:
            self.stdout.write(
                "Web Push is off (set WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY): "
                "nothing pushed"
            )
            while every > 0:
                # A worker process that exits is restarted in a loop by the platform: idle.
                time.sleep(3600)
            return
        super().handle(*args, every=every, **options)
