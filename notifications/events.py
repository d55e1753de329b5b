"""Lifecycle events of messages, announced inside the transaction that writes them.

Each write site of `services/` and `bulk.py` makes one call here, with what it changed.
Other apps listen without this app knowing them (the outbound webhooks' outbox,
outbound/outbox.py, stores a row per event in the same transaction, so an event exists
exactly when its change committed; offline/receivers.py lets Web Push and the email digest
send a message again that UPDATED or WOKEN made news). With no listener a call costs one
check.

Event names are the outbound webhooks' `type` values (docs/webhooks-outbound.md); new
ones (muted, interacted) are added here with their write site.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from notifications.models import Message

CREATED = "message.created"
UPDATED = "message.updated"  # new content in place (a collapse key, the admin's edit)
SEEN = "message.seen"
READ = "message.read"
UNREAD = "message.unread"
ARCHIVED = "message.archived"
UNARCHIVED = "message.unarchived"
DELETED = "message.deleted"
INTERACTED = "message.interacted"  # one of its actions clicked (threads/actions.py)
SNOOZED = "message.snoozed"  # out of the inbox until a time (snooze/services.py)
WOKEN = "message.woken"  # a snoozed message back, unread, as new
TYPES = (
    CREATED,
    UPDATED,
    SEEN,
    READ,
    UNREAD,
    ARCHIVED,
    UNARCHIVED,
    DELETED,
    INTERACTED,
    SNOOZED,
    WOKEN,
)

# Sent with `event=` and `messages=` (Message rows, as written): created or updated.
messages_written = Signal()
# Sent with `event=` and `ids_by_user=` ({user id: [message ids]}): a state changed.
ids_changed = Signal()

# Sent with `message=` (the Message) and `index=` (the action clicked): INTERACTED.
message_acted = Signal()

# Listeners that store events say when they do (outbound: while OUTBOUND_WEBHOOK_URL is set).
_stored_when: list[Callable[[], bool]] = []


def store_when(check: Callable[[], bool]) -> None:
    """Register a listener's test for "events are stored now" (see `stored`)."""
    _stored_when.append(check)


def stored() -> bool:
    """Whether a listener stores events now. A writer that skips a transaction for speed
    (webhooks.batch's one-statement claim and store) takes the transactional path then,
    so a change and its events still commit together."""
    return any(check() for check in _stored_when)


def written(event: str, messages: "Iterable[Message]") -> None:
    """Announce messages stored (CREATED) or given new content (UPDATED)."""
    if messages_written.receivers:
        rows = list(messages)
        if rows:
            messages_written.send(sender=None, event=event, messages=rows)


def changed(event: str, ids_by_user: Mapping[int, Iterable[int]]) -> None:
    """Announce a state change of these messages, by owner (empty lists are left out)."""
    if ids_changed.receivers:
        owners = {user: sorted(ids) for user, ids in ids_by_user.items() if ids}
        if owners:
            ids_changed.send(sender=None, event=event, ids_by_user=owners)


def acted(message: "Message", index: int) -> None:
    """Announce that the user clicked action `index` of `message` (INTERACTED)."""
    if message_acted.receivers:
        message_acted.send(sender=None, message=message, index=index)
