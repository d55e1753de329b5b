"""What this app hears from notifications/ without notifications knowing it.

- New content in place (a collapse key, the admin's edit: `events.UPDATED`) is news:
  Web Push may push it again. The digest does not email it again (as before this app).
- A message woken from its snooze (`events.WOKEN`) comes back as new: both channels may
  take it again (snooze/services.py).
Each runs inside the writer's transaction, so the change and the forgetting commit
together. Also: a user's export (userdata/services.py) gets their subscriptions.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.dispatch import receiver

from notifications import events
from notifications.models import Message
from offline import taken
from offline.models import Channel, PushSubscription
from userdata import services as userdata


@receiver(events.messages_written)
def _updated(*, event: str, messages: list[Message], **kwargs: Any) -> None:
    if event == events.UPDATED:
        taken.forget(ids=[m.pk for m in messages], channels=[Channel.PUSH])


@receiver(events.ids_changed)
def _woken(*, event: str, ids_by_user: Mapping[int, Iterable[int]], **kwargs: Any) -> None:
    if event == events.WOKEN:
        taken.forget(ids=[i for ids in ids_by_user.values() for i in ids])


@receiver(userdata.exporting)
def _export(*, user: AbstractBaseUser, **kwargs: Any) -> dict[str, Any]:
    return {
        "push_subscriptions": [
            {"endpoint": endpoint, "created_at": created.isoformat()}
            for endpoint, created in PushSubscription.objects.filter(user_id=user.pk)
            .order_by("id")
            .values_list("endpoint", "created_at")
        ]
    }
