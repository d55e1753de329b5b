"""SNS `{"notify": ...}` deliveries as batching-writer jobs (notifications.writer).

A job is a `notify.Delivery`: verified, its Message parsed and cleaned at the edge
(webhooks/notify.py). Many share one transaction: their recipients are looked up in one
query and every outcome decided first; one multi-row insert then claims their MessageIds
with those outcomes (`ON CONFLICT DO NOTHING RETURNING`: a MessageId already claimed, by
an earlier batch or another process, comes back as a duplicate), and one insert stores
their messages (notifications.bulk). On PostgreSQL, when every delivery of the batch
stores a message if its user exists (the usual batch), the lookup, the claim, the insert
and the frames' reads are one round trip instead (`_claim_and_store`). A batch that fails
is run again delivery by delivery through `services.process_envelope`, the classic path.
"""

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from notifications import events
from notifications import services as notification_services
from notifications.bulk import NotifySpec, cleaned_spec, message_of, notify_many
from notifications.frames import notification_frames_from, notification_reads
from notifications.models import Message
from notifications.services import Send
from notifications.validators import InvalidNotification
from sqlreads import Plan, Read, rawsql
from webhooks import notify, services, sns
from webhooks.models import ProcessedMessage, UnmatchedMessage
from webhooks.services import Dispatched, Outcome


class SNSNotifyHandler:
    # Not the writer's transaction: every write of a batch is in one statement (or in a
    # transaction of its own, below), so the batch costs no BEGIN/COMMIT round trips.
    atomic = False

    def run_batch(self, deliveries: list[notify.Delivery]) -> tuple[list[Outcome], list[Send]]:
        plan = self.plan_batch(deliveries)
        if plan is not None:
            return plan.run()
        by_id = {delivery.envelope.message_id: delivery for delivery in deliveries}
        dispatched, sends = _claim_resolving(list(by_id.values()))
        return _outcomes(deliveries, dispatched), sends

    def plan_batch(
        self, deliveries: list[notify.Delivery]
    ) -> Plan[tuple[list[Outcome], list[Send]]] | None:
        """The usual batch on PostgreSQL, as statements not yet run (the batching writer
        may send them with another handler's, sqlreads.run_together): every delivery will
        store a message if its user exists, and no lifecycle event needs to commit with
        it, so the users are looked up, claimed and stored in one statement. Those whose
        user does not exist are left unclaimed by it, and resolved after. None otherwise."""
        if connection.vendor != "postgresql" or events.stored():
            return None
        by_id = {delivery.envelope.message_id: delivery for delivery in deliveries}
        specs = _storable(list(by_id.values()))
        if specs is None:
            return None
        reads, stored = _claim_and_store(specs)

        def finish(values: list[Any]) -> tuple[list[Outcome], list[Send]]:
            dispatched, sends, unknown = stored(values)
            if unknown:
                more, more_sends = _claim_resolving([by_id[message_id] for message_id in unknown])
                dispatched.update(more)
                sends += more_sends
            return _outcomes(deliveries, dispatched), sends

        return Plan(reads, finish)

    def run_one(self, delivery: notify.Delivery) -> tuple[Outcome, list[Send]]:
        # The classic path registers its own sends on commit.
        envelope, parsed = delivery
        return services.process_envelope(envelope=envelope, parsed=parsed), []


SNS_NOTIFY = SNSNotifyHandler()


def _outcomes(
    deliveries: list[notify.Delivery], dispatched: dict[str, Dispatched]
) -> list[Outcome]:
    """Each delivery's outcome, in order, from those of the MessageIds claimed."""
    outcomes = []
    answered: set[str] = set()
    for delivery in deliveries:
        message_id = delivery.envelope.message_id
        # Claimed by this batch, once: a MessageId twice in it is a duplicate the
        # second time, as is one claimed before (another batch, another process).
        if message_id in dispatched and message_id not in answered:
            answered.add(message_id)
            outcomes.append(Outcome(message_id, False, dispatched[message_id].summary))
        else:
            outcomes.append(Outcome(message_id, duplicate=True, summary="duplicate"))
    return outcomes


Ready = dict[str, tuple[NotifySpec, sns.Envelope]]


def _storable(deliveries: list[notify.Delivery]) -> Ready | None:
    """{MessageId: (spec, its content cleaned; envelope)} when every delivery stores a
    message once its user is found; None when any is refused whoever its user is (a bad
    payload or content: the resolving path words those outcomes)."""
    specs: Ready = {}
    for delivery in deliveries:
        spec = delivery.notify.spec
        if spec is None or delivery.notify.invalid:
            return None
        try:
            specs[delivery.envelope.message_id] = (
                cleaned_spec(spec, user_id=None, cleaned=True),
                delivery.envelope,
            )
        except InvalidNotification:
            return None
    return specs


def _claim_resolving(
    deliveries: list[notify.Delivery],
) -> tuple[dict[str, Dispatched], list[Send]]:
    """Any deliveries: their users looked up, every outcome decided, then in one
    transaction the claim of their MessageIds, the messages of those claimed and the
    unmatched rows; the outcome of each MessageId claimed, and the frames."""
    unique = [delivery.envelope for delivery in deliveries]
    # Every outcome is known before the claim, so each row is written once, with it.
    dispatched: dict[str, Dispatched] = {}
    ready: dict[str, NotifySpec] = {}
    resolved = notify.resolve([delivery.notify for delivery in deliveries])
    for envelope, spec in zip(unique, resolved, strict=True):
        if isinstance(spec, NotifySpec):
            ready[envelope.message_id] = spec
            dispatched[envelope.message_id] = notify.summary(spec)
        else:
            dispatched[envelope.message_id] = spec
    with transaction.atomic():
        claimed = _claim(unique, dispatched)
        # Claimed MessageIds are unique: their source_ids need no lookup of earlier rows.
        _, sends = notify_many(
            [spec for message_id, spec in ready.items() if message_id in claimed],
            repeats_possible=False,
            cleaned=True,
        )
        _keep_unmatched(unique, claimed, dispatched)
    return {message_id: dispatched[message_id] for message_id in claimed}, sends


async def store(delivery: notify.Delivery) -> Outcome:
    """Store one delivery with every other one waiting (the ASGI entry); its outcome once
    committed and sent. Raises Overloaded when the batching writer's queue is full."""
    return await notification_services.submit(SNS_NOTIFY, delivery)


def _claim(unique: list[sns.Envelope], dispatched: dict[str, Dispatched]) -> set[str]:
    """Insert a ProcessedMessage, with its outcome, per new MessageId; those inserted."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for envelope in unique:
        sent_at = ops.adapt_datetimefield_value(envelope.sent_at)
        outcome = dispatched[envelope.message_id].summary[:300]
        params += [envelope.message_id, envelope.type, envelope.topic_arn, sent_at, now, outcome]
    table = ops.quote_name(ProcessedMessage._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(unique))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (message_id, type, topic_arn, sent_at, received_at, outcome) "  # noqa: S608
            f"VALUES {rows} ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _claim_and_store(
    specs: Ready,
) -> tuple[
    list[Read[Any]], Callable[[list[Any]], tuple[dict[str, Dispatched], list[Send], list[str]]]
]:
    """PostgreSQL: look the recipients up by name, claim the MessageId of each delivery
    whose user exists, with its outcome, and store the message of each one claimed, in
    one statement (data-modifying CTEs); then read what the frames need (unread totals,
    preferences), keyed by the same lookup, in the same round trip: one Query message,
    one implicit transaction, so all of it commits or none, and a failed read leaves
    nothing claimed for the writer's one-by-one retry to answer as a duplicate. The
    lookup was a round trip of its own before (issue 17).

    Returns those statements, not run, and what makes of their values the outcome of
    each MessageId claimed, the frames, and the MessageIds whose user is not an active
    one (not claimed: the caller decides their outcome). The messages are inserted in
    recipient order, as notify_many does (one lock order for the counter rows across
    processes).
    """
    ops = connection.ops
    names = [spec.username for spec, _ in specs.values()]
    now = ops.adapt_datetimefield_value(timezone.now())
    claim_params: list[Any] = []
    for name, (_, envelope) in zip(names, specs.values(), strict=True):
        sent_at = ops.adapt_datetimefield_value(envelope.sent_at)
        claim_params += [envelope.message_id, envelope.type, envelope.topic_arn, sent_at, now]
        claim_params.append(name)
    messages = [message_of(spec, recipient_id=None) for spec, _ in specs.values()]
    _, _, message_params = rawsql.typed_values(messages, extra=[("text", names)])
    ids = _active(names, ["pk"])
    reads = notification_reads(messages, recipients=rawsql.Keys(ids.sql, ids.params))
    users = _active(names, [get_user_model().USERNAME_FIELD, "pk"])
    written = Read(
        _claim_and_store_sql(users.sql, len(messages)),
        users.params + claim_params + message_params,
        list,
    )

    def stored(values: list[Any]) -> tuple[dict[str, Dispatched], list[Send], list[str]]:
        found, *read = values
        by_name = {name: user_id for kind, name, user_id in found if kind == "user"}
        claimed = {message_id for kind, message_id, _ in found if kind == "claimed"}
        keys = {source_id: pk_value for kind, source_id, pk_value in found if kind == "stored"}
        created = []
        for message, name in zip(messages, names, strict=True):
            if message.source_id in keys:
                message.recipient_id = by_name[name]
                message.pk = keys[message.source_id]
                message._state.adding = False
                created.append(message)
        dispatched = {
            message_id: notify.summary(replace(spec, user_id=by_name[spec.username]))
            for message_id, (spec, _) in specs.items()
            if message_id in claimed
        }
        unknown = [
            message_id for message_id, (spec, _) in specs.items() if spec.username not in by_name
        ]
        return dispatched, notification_frames_from(created, *read), unknown

    return [written, *reads], stored


def _active(names: list[str], columns: list[str]) -> rawsql.Read[list[tuple]]:
    """The active users among `names`, those columns of them (not run)."""
    model = get_user_model()
    field = model.USERNAME_FIELD
    return rawsql.select_in(model, columns, key=field, values=names, equal={"is_active": True})


@functools.lru_cache(maxsize=16)
def _claim_and_store_sql(users: str, count: int) -> str:
    """The statement for `count` deliveries, `users` the SELECT of (name, id) of their
    users: one text per batch size, built once for the sizes seen most (a few)."""
    quote = connection.ops.quote_name
    claims = ProcessedMessage._meta
    claim_fields = [claims.get_field(n) for n in ("message_id", "type", "topic_arn", "sent_at")]
    claim_fields.append(claims.get_field("received_at"))
    claim_columns = ", ".join(quote(f.column) for f in claim_fields)
    claim_row = ", ".join([*(f"%s::{f.db_type(connection)}" for f in claim_fields), "%s::text"])
    claim_rows = ", ".join([f"({claim_row})"] * count)
    meta = Message._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    columns = [quote(f.column) for f in fields]
    recipient = quote(meta.get_field("recipient").column)
    select = ", ".join("u.id" if column == recipient else f"v.{column}" for column in columns)
    rows = ", ".join([rawsql.typed_row(Message, ["text"])] * count)  # as typed_values
    source = quote(meta.get_field("source_id").column)
    pk = quote(meta.pk.column)
    outcome = quote(claims.get_field("outcome").column)
    # Every name below comes from the models, every value is a parameter. The outcome is
    # worded as notify.summary words it for a stored message.
    return (
        f"WITH u(name, id) AS ({users}), "  # noqa: S608
        f"claimed AS (INSERT INTO {quote(claims.db_table)} ({claim_columns}, {outcome}) "
        f"SELECT {claim_columns}, 'notified user ' || u.id "
        f"FROM (VALUES {claim_rows}) AS c({claim_columns}, _user) JOIN u ON u.name = c._user "
        "ON CONFLICT (message_id) DO NOTHING RETURNING message_id), "
        f"stored AS (INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {select} FROM (VALUES {rows}) AS v({', '.join(columns)}, _row, _user) "
        f"JOIN u ON u.name = v._user WHERE v.{source} IN (SELECT message_id FROM claimed) "
        f"ORDER BY u.id, v._row RETURNING {pk}, {source}) "
        "SELECT 'user', name, id FROM u "
        "UNION ALL SELECT 'claimed', message_id, NULL FROM claimed "
        f"UNION ALL SELECT 'stored', {source}, {pk} FROM stored"
    )


def _keep_unmatched(
    unique: list[sns.Envelope], claimed: set[str], dispatched: dict[str, Dispatched]
) -> None:
    rows = [
        services.unmatched(envelope, dispatched[envelope.message_id].summary)
        for envelope in unique
        if envelope.message_id in claimed and not dispatched[envelope.message_id].matched
    ]
    if rows:
        UnmatchedMessage.objects.bulk_create(rows)
