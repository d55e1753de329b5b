"""Many messages or acks at once, with a few multi-row statements: the batched writes.

Each function runs in its caller's transaction and returns, besides its results, the
frames to send once that transaction commits (the caller sends them: the batching
writer after its commit, or `live.send_on_commit`). The rows and frames are the same
as `services.notify` writes one at a time; `ack_many` is the one mark-read writer, for a
socket's ack (the batching writer) and an HTTP read (`services.mark_read`) alike.
Adapters never import this module: they call notifications.services.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

import live
from notifications import events, frames, selectors
from notifications.models import UNREAD_NULL, Message
from notifications.validators import InvalidNotification, clean, clean_actions, clean_group
from sqlreads import Plan, Read, rawsql


@dataclass(frozen=True)
class NotifySpec:
    """One message to store: for `username` (an active user), or for `user_id`."""

    text: str
    username: str | None = None
    user_id: int | None = None
    level: str = "info"
    link: str = ""
    source_id: str | None = None
    group: str = ""  # a thread key (threads/services.py)
    actions: list[dict[str, str]] | None = None  # notifications/validators.py clean_actions


@dataclass(frozen=True)
class Stored:
    message_id: int
    user_id: int
    created: bool  # False: a repeat of an earlier source_id; nothing was written


@dataclass(frozen=True)
class Refused:
    code: str  # "unknown_user" or "invalid_notification"
    detail: str


def resolve(specs: list[NotifySpec], *, cleaned: bool = False) -> list[NotifySpec | Refused]:
    """Each spec for a `user_id` with its content cleaned, or why it is refused (one query).

    `cleaned=True`: the caller cleaned the content where it entered (webhooks/notify.py).
    """
    users = selectors.active_ids_by_username(
        spec.username for spec in specs if spec.username is not None
    )
    resolved: list[NotifySpec | Refused] = []
    for spec in specs:
        user_id = users.get(spec.username) if spec.username is not None else spec.user_id
        if user_id is None:
            resolved.append(Refused("unknown_user", f"unknown user {str(spec.username)[:150]!r}"))
            continue
        try:
            resolved.append(cleaned_spec(spec, user_id=user_id, cleaned=cleaned))
        except InvalidNotification as exc:
            resolved.append(Refused("invalid_notification", str(exc)))
    return resolved


def cleaned_spec(spec: NotifySpec, *, user_id: int | None, cleaned: bool = False) -> NotifySpec:
    """`spec` for `user_id` (None: still for its username), its content cleaned
    (`cleaned`: text, level and link were already, where they entered); raises
    InvalidNotification."""
    text, level, link = spec.text, spec.level, spec.link
    if not cleaned:
        text, level, link = clean(text, level, link)
    return NotifySpec(
        text=text,
        username=spec.username if user_id is None else None,
        user_id=user_id,
        level=level,
        link=link,
        source_id=spec.source_id,
        group=clean_group(spec.group),
        actions=clean_actions(spec.actions),
    )


def message_of(spec: NotifySpec, *, recipient_id: int | None) -> Message:
    """The unsaved Message a (cleaned) spec stores; its recipient may be resolved later
    (the SNS batch looks users up inside its own statement)."""
    return Message(
        recipient_id=recipient_id,
        text=spec.text,
        level=spec.level,
        link=spec.link,
        source_id=spec.source_id,
        group=spec.group,
        actions=spec.actions or [],
    )


def notify_many(
    specs: list[NotifySpec], *, repeats_possible: bool = True, cleaned: bool = False
) -> tuple[list[Stored | Refused], list[live.Send]]:
    """Store every valid spec (once per recipient and source_id); refuse the others alone.

    `repeats_possible=False` is for callers that already made each source_id unique (the
    SNS batch claims MessageIds first): no lookup of earlier rows, and a repeat that still
    slips through fails the batch on the unique constraint, to be run again one by one.
    `cleaned`: as for `resolve`.
    """
    results: list[Any] = [None] * len(specs)
    rows: list[tuple[int, Message]] = []
    for index, spec in enumerate(resolve(specs, cleaned=cleaned)):
        if isinstance(spec, Refused):
            results[index] = spec
            continue
        rows.append((index, message_of(spec, recipient_id=spec.user_id)))
    if repeats_possible:
        rows = _drop_repeats(rows, results)
    # Sorted by recipient, so concurrent batches take the counter rows' locks in one
    # order (no deadlock between two processes' batches on PostgreSQL).
    rows.sort(key=lambda pair: pair[1].recipient_id)
    # bulk_create's rows, without compiling the INSERT anew per batch (rawsql).
    created = rawsql.insert([message for _, message in rows])
    events.written(events.CREATED, created)
    for (index, _), message in zip(rows, created, strict=True):
        results[index] = Stored(message.pk, message.recipient_id, created=True)
    for index, result in enumerate(results):
        if isinstance(result, _Later):  # a repeat within this batch: the first one's row
            first = results[result.index]
            assert isinstance(first, Stored)
            results[index] = Stored(first.message_id, first.user_id, created=False)
    return results, frames.notification_frames(created)


# Recipients per statement in a fan-out: far below SQLite's 32766 bound parameters, and
# a fan-out's sends leave in slices of this size too.
FANOUT_CHUNK = 1000


@dataclass(frozen=True)
class FanOut:
    recipients: int  # users asked for
    created: int  # messages stored now; the rest were repeats of the same source_id


def fan_out(
    user_ids: list[int],
    *,
    text: str,
    level: str = "info",
    link: str = "",
    source_id: str | None = None,
    group: str = "",
) -> tuple[FanOut, list[live.Send]]:
    """One message for each user (once per user and source_id), in chunked multi-row
    inserts, and the frames to send after commit. Raises InvalidNotification."""
    text, level, link = clean(text, level, link)
    group = clean_group(group)
    ordered = sorted(set(user_ids))  # one lock order for the counter rows, as above
    created = 0
    sends: list[live.Send] = []
    for start in range(0, len(ordered), FANOUT_CHUNK):
        chunk = ordered[start : start + FANOUT_CHUNK]
        if source_id:
            done = set(
                Message.objects.filter(source_id=source_id, recipient_id__in=chunk).values_list(
                    "recipient_id", flat=True
                )
            )
            chunk = [user_id for user_id in chunk if user_id not in done]
        if not chunk:
            continue
        messages = Message.objects.bulk_create(
            Message(
                recipient_id=user_id,
                text=text,
                level=level,
                link=link,
                source_id=source_id,
                group=group,
            )
            for user_id in chunk
        )
        events.written(events.CREATED, messages)
        created += len(messages)
        sends.extend(frames.notification_frames(messages))
    return FanOut(recipients=len(ordered), created=created), sends


def ack_many(acks: list[tuple[int, list[int]]]) -> tuple[list[list[int]], list[live.Send]]:
    """Mark each user's own unread messages among their ids read: one UPDATE for all."""
    plan = ack_plan(acks)
    if plan is not None:
        return plan.run()
    wanted = _wanted(acks)
    changed: set[int] = set()
    now = timezone.now()
    for owners in _slices(wanted, ACK_IDS_PER_STATEMENT):
        changed.update(
            Message.objects.set_returning_ids(
                values={"read_at": now}, owners=owners, null=UNREAD_NULL
            )
        )
    counts = selectors.unread_counts({user_id for user_id, ids in wanted.items() if ids})
    return _acked(acks, wanted, changed, counts)


def ack_plan(
    acks: list[tuple[int, list[int]]],
) -> Plan[tuple[list[list[int]], list[live.Send]]] | None:
    """`ack_many` as statements not yet run, for the usual batch on PostgreSQL: the UPDATE,
    then its users' totals in the same round trip (the read sees the counter as the
    UPDATE's trigger left it), which the batching writer may send with another handler's
    (sqlreads.run_together). None when the batch needs more statements than that (more
    than ACK_IDS_PER_STATEMENT ids, SQLite's limit on parameters) or nothing to update."""
    if connection.vendor != "postgresql":
        return None
    wanted = _wanted(acks)
    # The recipient is in the filter: another user's id changes nothing.
    slices = _slices(wanted, ACK_IDS_PER_STATEMENT)
    if len(slices) != 1:
        return None
    update = Message.objects.update_returning_ids
    statement = update(values={"read_at": timezone.now()}, owners=slices[0], null=UNREAD_NULL)
    if statement is None:
        return None

    def finish(values: list[Any]) -> tuple[list[list[int]], list[live.Send]]:
        rows, counts = values
        return _acked(acks, wanted, {row[0] for row in rows}, counts)

    written = Read(*statement, list)
    return Plan([written, selectors.unread_counts_read(wanted)], finish)


def _wanted(acks: list[tuple[int, list[int]]]) -> dict[int, set[int]]:
    wanted: dict[int, set[int]] = defaultdict(set)
    for user_id, ids in acks:
        wanted[user_id].update(ids)
    return wanted


def _acked(
    acks: list[tuple[int, list[int]]],
    wanted: dict[int, set[int]],
    changed: set[int],
    counts: dict[int, int],
) -> tuple[list[list[int]], list[live.Send]]:
    """Each ack's ids changed, and a `read` frame per user with any."""
    by_user = {user_id: sorted(ids & changed) for user_id, ids in wanted.items()}
    events.changed(events.READ, by_user)
    sends = [
        (user_id, frames.read_frame(ids, counts[user_id]))
        for user_id, ids in by_user.items()
        if ids
    ]
    return [sorted(set(ids) & changed) for _, ids in acks], sends


ACK_IDS_PER_STATEMENT = 5000


def _slices(wanted: dict[int, set[int]], limit: int) -> list[dict[int, list[int]]]:
    """`wanted` cut into pieces of at most `limit` ids (one user's ids may span pieces)."""
    slices: list[dict[int, list[int]]] = [{}]
    size = 0
    for user_id, ids in wanted.items():
        ordered = sorted(ids)
        while ordered:
            if size == limit:
                slices.append({})
                size = 0
            taken, ordered = ordered[: limit - size], ordered[limit - size :]
            slices[-1][user_id] = taken
            size += len(taken)
    return slices


def _drop_repeats(rows: list[tuple[int, Message]], results: list[Any]) -> list[tuple[int, Message]]:
    """Answer specs whose (recipient, source_id) is already stored, or twice in this batch."""
    keyed = [(i, m) for i, m in rows if m.source_id]
    if not keyed:
        return rows
    condition = Q()
    for _, message in keyed:
        condition |= Q(recipient_id=message.recipient_id, source_id=message.source_id)
    existing = {
        (recipient, source): pk
        for pk, recipient, source in Message.objects.filter(condition).values_list(
            "pk", "recipient_id", "source_id"
        )
    }
    kept: list[tuple[int, Message]] = []
    first: dict[tuple[int, str], int] = {}
    for index, message in rows:
        key = (message.recipient_id, message.source_id or "")
        if message.source_id and key in existing:
            results[index] = Stored(existing[key], message.recipient_id, created=False)
        elif message.source_id and key in first:
            results[index] = _Later(first[key])  # answered with the first one's id
        else:
            if message.source_id:
                first[key] = index
            kept.append((index, message))
    return kept


@dataclass(frozen=True)
class _Later:
    index: int


class NotifyHandler:
    """Writer jobs that store one `NotifySpec` each (the notify API)."""

    def run_batch(
        self, payloads: list[NotifySpec]
    ) -> tuple[list[Stored | Refused], list[live.Send]]:
        return notify_many(payloads)

    def run_one(self, payload: NotifySpec) -> tuple[Stored | Refused, list[live.Send]]:
        results, sends = notify_many([payload])
        return results[0], sends


class AckHandler:
    """Writer jobs that mark `(user_id, ids)` read (socket acks).

    Not atomic: each `UPDATE ... RETURNING` is complete alone (a row is claimed once,
    idempotent if run again), and the counts read after it are the committed truth, so
    an ack batch needs no BEGIN/COMMIT round trips (issue 17). Except while lifecycle
    events are stored (outbound webhooks): then the `read` events must commit with it.
    """

    @property
    def atomic(self) -> bool:
        return events.stored()

    @property
    def gather(self) -> float:
        """Seconds an ack may wait to share a batch (notifications.writer): it goes with
        the next delivery's batch, or with the other acks of that time. The toast is gone
        from the user's tabs at once either way; only the `read` frame waits."""
        return settings.NOTIFICATIONS_ACK_GATHER

    def run_batch(
        self, payloads: list[tuple[int, list[int]]]
    ) -> tuple[list[list[int]], list[live.Send]]:
        return ack_many(payloads)

    def plan_batch(
        self, payloads: list[tuple[int, list[int]]]
    ) -> Plan[tuple[list[list[int]], list[live.Send]]] | None:
        return ack_plan(payloads)

    def run_one(self, payload: tuple[int, list[int]]) -> tuple[list[int], list[live.Send]]:
        results, sends = ack_many([payload])
        return results[0], sends


NOTIFY = NotifyHandler()
ACK = AckHandler()
