"""A `{"notify": {"user", "text", "level"?, "link"?}}` SNS delivery, from Message to message.

Parsed and cleaned once, where it enters: `parse` (the ASGI entry, on the event loop) or
`from_message` (the classic path: the Django view, a re-drive). The parsed `Notify` is
what is stored: many at once by the batching writer's SNS kind (webhooks/batch.py), one
at a time by `store_one` through notifications.services, which sends its frame after
commit.
"""

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from notifications import bulk
from notifications import services as notification_services
from notifications.services import NotifySpec, Refused, Stored
from notifications.validators import InvalidNotification, clean, storable
from webhooks import sns
from webhooks.outcomes import Dispatched

NOTIFY_KEYS = {"user", "text", "level", "link", "group"}


@dataclass(frozen=True)
class Notify:
    """One notify payload: a spec for `spec.username`, its content cleaned, or why not.

    `refused`: the payload is not a valid notify (kept as unmatched). `invalid`: the
    content validators refused it; told only once the user is known to exist, as
    notifications.bulk.resolve orders its checks (an unknown user is said first).
    """

    spec: NotifySpec | None
    refused: str = ""
    invalid: str = ""


class Delivery(NamedTuple):
    """A verified Notification whose Message is a notify payload: the writer's job."""

    envelope: sns.Envelope
    notify: Notify


def parse(envelope: sns.Envelope) -> Delivery | None:
    """The delivery's notify payload, parsed and cleaned; None for any other delivery."""
    if envelope.type != sns.NOTIFICATION:
        return None
    notify = from_message(envelope.message, message_id=envelope.message_id)
    return None if notify is None else Delivery(envelope, notify)


def from_message(message: str, *, message_id: str) -> Notify | None:
    """A Message of the form `{"notify": ...}`, parsed and cleaned; None for any other."""
    try:
        payload = json.loads(message)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser
        return None
    if not isinstance(payload, dict) or "notify" not in payload:
        return None
    return from_payload(payload, message_id=message_id)


def from_payload(payload: dict[str, Any], *, message_id: str) -> Notify:
    """`{"notify": {...}}` (a parsed Message) as a cleaned spec, or why it is invalid."""
    spec = payload["notify"]
    if len(payload) != 1 or not isinstance(spec, dict):
        return Notify(None, 'invalid notify payload: expected exactly {"notify": {...}}')
    unknown = set(spec) - NOTIFY_KEYS
    if unknown:
        return Notify(None, f"invalid notify payload: unknown keys {sorted(unknown)[:5]}")
    if not all(isinstance(spec.get(k, ""), str) for k in NOTIFY_KEYS):
        return Notify(None, "invalid notify payload: every value must be a string")
    if not spec.get("user") or "text" not in spec:
        return Notify(None, "invalid notify payload: user and text are required")
    if not storable(spec["user"]):
        # Looked up as it is: PostgreSQL refuses NUL in a query parameter.
        return Notify(None, "invalid notify payload: user must not contain NUL or lone surrogates")
    text, level, link = spec["text"], spec.get("level", "info"), spec.get("link", "")
    invalid = ""
    try:
        text, level, link = clean(text, level, link)
    except InvalidNotification as exc:
        invalid = str(exc)
    # The message is found by source_id = MessageId.
    parsed = NotifySpec(
        username=spec["user"],
        text=text,
        level=level,
        link=link,
        group=spec.get("group", ""),
        source_id=message_id,
    )
    return Notify(parsed, invalid=invalid)


def resolve(notifies: list[Notify]) -> list[NotifySpec | Dispatched]:
    """Each notify as a spec for its user's id, or how it ends unmatched (one query)."""
    found = iter(bulk.resolve([n.spec for n in notifies if n.spec is not None], cleaned=True))
    resolved: list[NotifySpec | Dispatched] = []
    for notify in notifies:
        if notify.spec is None:
            resolved.append(Dispatched(False, notify.refused))
            continue
        spec = next(found)
        if isinstance(spec, Refused):
            resolved.append(summary(spec))
        elif notify.invalid:
            resolved.append(summary(Refused("invalid_notification", notify.invalid)))
        else:
            resolved.append(spec)
    return resolved


def summary(result: Stored | NotifySpec | Refused) -> Dispatched:
    """How a notify ends (stored, or resolved to be), as ProcessedMessage.outcome."""
    if isinstance(result, (Stored, NotifySpec)):
        return Dispatched(True, f"notified user {result.user_id}")
    if result.code == "unknown_user":
        return Dispatched(False, result.detail)
    return Dispatched(False, f"invalid notify payload: {result.detail}")


def store_one(notify: Notify) -> Dispatched:
    """Store one notify in the caller's transaction (the classic path), sent after commit.

    The same rows and frames as the batching writer's, for one delivery.
    """
    [spec] = resolve([notify])
    if isinstance(spec, Dispatched):
        return spec
    [result] = notification_services.notify_specs(specs=[spec], cleaned=True)
    return summary(result)
