"""SNS `{"notify": ...}` deliveries as batching-writer jobs (notifications.writer).

Many verified deliveries share one transaction: their recipients are looked up in one
query and every outcome decided first; one multi-row insert then claims their MessageIds
with those outcomes (`ON CONFLICT DO NOTHING RETURNING`: a MessageId already claimed, by
an earlier batch or another process, comes back as a duplicate), and one insert stores
their messages (notifications.bulk). A batch that fails is run again delivery by
delivery through `services.process_envelope`, the classic path.
"""

from typing import Any

from django.db import connection
from django.utils import timezone

from notifications.bulk import NotifySpec, Push, notify_many, resolve
from webhooks import services, sns
from webhooks.models import ProcessedMessage, UnmatchedMessage
from webhooks.services import Dispatched, Outcome


class SNSNotifyKind:
    def run_batch(self, envelopes: list[sns.Envelope]) -> tuple[list[Outcome], list[Push]]:
        unique = list({e.message_id: e for e in envelopes}.values())
        # Every outcome is known before the claim, so each row is written once, with it.
        dispatched: dict[str, Dispatched] = {}
        parsed: dict[str, NotifySpec] = {}
        for envelope in unique:
            payload = services.direct_notify(envelope) or {}
            spec = services.notify_spec(payload, message_id=envelope.message_id)
            if isinstance(spec, str):
                dispatched[envelope.message_id] = Dispatched(False, spec)
            else:
                parsed[envelope.message_id] = spec
        ready: dict[str, NotifySpec] = {}
        for message_id, spec in zip(parsed, resolve(list(parsed.values())), strict=True):
            if isinstance(spec, NotifySpec):
                ready[message_id] = spec
            dispatched[message_id] = services.stored_summary(spec)
        claimed = _claim(unique, dispatched)
        # Claimed MessageIds are unique, so their source_ids need no lookup of earlier rows.
        _, pushes = notify_many(
            [spec for message_id, spec in ready.items() if message_id in claimed],
            repeats_possible=False,
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

    def run_one(self, envelope: sns.Envelope) -> tuple[Outcome, list[Push]]:
        # The classic path registers its own pushes on commit.
        return services.process_envelope(envelope=envelope), []


SNS_NOTIFY = SNSNotifyKind()


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
