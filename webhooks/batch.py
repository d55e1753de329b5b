"""SNS `{"notify": ...}` deliveries as batching-writer jobs (notifications.writer).

A job is a `notify.Delivery`: verified, its Message parsed and cleaned at the edge
(webhooks/notify.py). Many share one transaction: their recipients are looked up in one
query and every outcome decided first; one multi-row insert then claims their MessageIds
with those outcomes (`ON CONFLICT DO NOTHING RETURNING`: a MessageId already claimed, by
an earlier batch or another process, comes back as a duplicate), and one insert stores
their messages (notifications.bulk). A batch that fails is run again delivery by
delivery through `services.process_envelope`, the classic path.
"""

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from notifications import events, rawsql
from notifications import services as notification_services
from notifications.bulk import NotifySpec, notify_many
from notifications.frames import Push, notification_frames_from, notification_reads
from notifications.models import Message
from webhooks import notify, services, sns
from webhooks.models import ProcessedMessage, UnmatchedMessage
from webhooks.services import Dispatched, Outcome


class SNSNotifyKind:
    # Not the writer's transaction: every write of a batch is in one statement (or in a
    # transaction of its own, below), so the batch costs no BEGIN/COMMIT round trips.
    atomic = False

    def run_batch(self, deliveries: list[notify.Delivery]) -> tuple[list[Outcome], list[Push]]:
        envelopes = [delivery.envelope for delivery in deliveries]
        by_id = {delivery.envelope.message_id: delivery for delivery in deliveries}
        unique = [delivery.envelope for delivery in by_id.values()]
        # Every outcome is known before the claim, so each row is written once, with it.
        dispatched: dict[str, Dispatched] = {}
        ready: dict[str, NotifySpec] = {}
        resolved = notify.resolve([delivery.notify for delivery in by_id.values()])
        for message_id, spec in zip(by_id, resolved, strict=True):
            if isinstance(spec, NotifySpec):
                ready[message_id] = spec
                dispatched[message_id] = notify.summary(spec)
            else:
                dispatched[message_id] = spec
        if connection.vendor == "postgresql" and len(ready) == len(unique) and not events.stored():
            # Every delivery will store a message, and no lifecycle event needs to commit
            # with it: claim and store in one statement.
            claimed, pushes = _claim_and_store(unique, dispatched, ready)
        else:
            with transaction.atomic():
                claimed = _claim(unique, dispatched)
                # Claimed MessageIds are unique: their source_ids need no lookup of earlier rows.
                _, pushes = notify_many(
                    [spec for message_id, spec in ready.items() if message_id in claimed],
                    repeats_possible=False,
                    cleaned=True,
                )
                _keep_unmatched(unique, claimed, dispatched)
        outcomes = []
        answered: set[str] = set()
        for envelope in envelopes:
            message_id = envelope.message_id
            # Claimed by this batch, once: a MessageId twice in it is a duplicate the
            # second time, as is one claimed before (another batch, another process).
            if message_id in claimed and message_id not in answered:
                answered.add(message_id)
                outcomes.append(Outcome(message_id, False, dispatched[message_id].summary))
            else:
                outcomes.append(Outcome(message_id, duplicate=True, summary="duplicate"))
        return outcomes, pushes

    def run_one(self, delivery: notify.Delivery) -> tuple[Outcome, list[Push]]:
        # The classic path registers its own pushes on commit.
        envelope, parsed = delivery
        return services.process_envelope(envelope=envelope, parsed=parsed), []


SNS_NOTIFY = SNSNotifyKind()


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
    unique: list[sns.Envelope], dispatched: dict[str, Dispatched], ready: dict[str, NotifySpec]
) -> tuple[set[str], list[Push]]:
    """PostgreSQL: claim every MessageId and store the message of each one claimed, in one
    statement (data-modifying CTEs), and read what the frames need (unread totals,
    preferences) in the same round trip (rawsql.execute_then): one Query message, one
    implicit transaction, so all of it commits or none, and a failed read leaves nothing
    claimed for the writer's one-by-one retry to answer as a duplicate.

    The messages are inserted in recipient order, as notify_many does (one lock order for
    the counter rows across processes).
    """
    ops = connection.ops
    quote = ops.quote_name
    now = ops.adapt_datetimefield_value(timezone.now())
    claim_params: list[Any] = []
    for envelope in unique:
        sent_at = ops.adapt_datetimefield_value(envelope.sent_at)
        outcome = dispatched[envelope.message_id].summary[:300]
        claim_params += [
            envelope.message_id, envelope.type, envelope.topic_arn, sent_at, now, outcome
        ]  # fmt: skip
    messages = sorted(
        (
            Message(
                recipient_id=spec.user_id,
                text=spec.text,
                level=spec.level,
                link=spec.link,
                source_id=spec.source_id,
                group=spec.group,
            )
            for spec in ready.values()
        ),
        key=lambda m: m.recipient_id,
    )
    columns, rows, message_params = rawsql.typed_values(messages)
    claims = quote(ProcessedMessage._meta.db_table)
    table = quote(Message._meta.db_table)
    source = quote(Message._meta.get_field("source_id").column)
    pk = quote(Message._meta.pk.column)
    claim_rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(unique))
    # Every name below comes from the models, every value is a parameter.
    sql = (
        f"WITH claimed AS (INSERT INTO {claims} "  # noqa: S608
        f"(message_id, type, topic_arn, sent_at, received_at, outcome) VALUES {claim_rows} "
        "ON CONFLICT (message_id) DO NOTHING RETURNING message_id), "
        f"stored AS (INSERT INTO {table} ({columns}) SELECT {columns} "
        f"FROM (VALUES {rows}) AS v({columns}, _row) "
        f"WHERE {source} IN (SELECT message_id FROM claimed) ORDER BY _row "
        f"RETURNING {pk}, {source}) "
        "SELECT message_id, NULL FROM claimed "
        f"UNION ALL SELECT {source}, {pk} FROM stored"
    )
    # The frames' reads (unread totals, preferences, mutes) ride in the same round trip, after
    # the statement: they see its counter updates as a read after commit would.
    found, reads = rawsql.execute_then(
        sql, claim_params + message_params, notification_reads(messages)
    )
    claimed = {message_id for message_id, pk_value in found if pk_value is None}
    stored = {message_id: pk_value for message_id, pk_value in found if pk_value is not None}
    created = []
    for message in messages:
        if message.source_id in stored:
            message.pk = stored[message.source_id]
            message._state.adding = False
            created.append(message)
    return claimed, notification_frames_from(created, *reads)


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
