"""The outbox's writer: the writers' lifecycle events become rows in their transaction.

notifications/events.py announces each change inside the transaction that writes it;
this module listens and stores one OutboundEvent per event with one multi-row insert
(and one username lookup), so an event row exists exactly when its change committed.
With OUTBOUND_WEBHOOK_URL unset it returns at once: nothing is stored.
"""

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.utils import timezone

from notifications import events
from notifications.models import Message
from outbound import wake
from outbound.models import OutboundEvent

# Message ids per event of a state change: "mark all read" over 100,000 messages is 100
# events of 1,000 ids, not 100,000 events (nor one body of 100,000 ids).
IDS_PER_EVENT = 1000
# Rows per INSERT statement: well within SQLite's and PostgreSQL's parameter limits.
ROWS_PER_INSERT = 500


@receiver(events.messages_written)
def store_written(sender: Any, event: str, messages: list[Message], **kwargs: Any) -> None:
    """One event per message stored or updated, carrying the message (protocol `msg`)."""
    if not settings.OUTBOUND_WEBHOOK_URL:
        return
    now = timezone.now()
    users = _users({m.recipient_id for m in messages})
    _store(
        [
            _row(event, now, {"user": users[m.recipient_id], "message": m.to_payload()})
            for m in messages
        ]
    )


@receiver(events.ids_changed)
def store_changed(
    sender: Any, event: str, ids_by_user: dict[int, list[int]], **kwargs: Any
) -> None:
    """One event per user (per IDS_PER_EVENT ids) whose messages changed state."""
    if not settings.OUTBOUND_WEBHOOK_URL:
        return
    now = timezone.now()
    users = _users(ids_by_user)
    _store(
        [
            _row(event, now, {"user": users[user_id], "message_ids": ids[i : i + IDS_PER_EVENT]})
            for user_id, ids in ids_by_user.items()
            for i in range(0, len(ids), IDS_PER_EVENT)
        ]
    )


@receiver(events.message_acted)
def store_acted(sender: Any, message: Message, index: int, **kwargs: Any) -> None:
    """One `message.interacted` event: the message and the action clicked (a `post`
    action's id is how its producer learns of the click)."""
    if not settings.OUTBOUND_WEBHOOK_URL:
        return
    data = {
        "user": _users([message.recipient_id])[message.recipient_id],
        "message": message.to_payload(),
        "action": {"index": index, **message.actions[index]},
    }
    _store([_row(events.INTERACTED, timezone.now(), data)])


def _users(user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = list(user_ids)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    # A user deleted in this very transaction has no name left; the id still identifies.
    return {pk: {"id": pk, "username": names.get(pk)} for pk in ids}


def _row(event: str, now: Any, data: dict[str, Any]) -> OutboundEvent:
    # The Standard Webhooks payload shape: type, timestamp, data. Serialised once, here:
    # every attempt sends (and signs) these very bytes.
    body = json.dumps(
        {"type": event, "timestamp": now.isoformat(), "data": data}, separators=(",", ":")
    )
    return OutboundEvent(type=event, body=body, created_at=now, next_attempt_at=now)


def _store(rows: list[OutboundEvent]) -> None:
    if rows:
        OutboundEvent.objects.bulk_create(rows, batch_size=ROWS_PER_INSERT)
        wake.after_commit()
