"""SNS `{"notify": ...}` deliveries as batching-writer jobs (notifications.writer).

Many verified deliveries share one transaction: one multi-row insert claims their
MessageIds (`ON CONFLICT DO NOTHING RETURNING`: a MessageId already claimed, by an
earlier batch or another process, comes back as a duplicate), one insert stores their
messages (notifications.bulk), and one update records each outcome. A batch that fails
is run again delivery by delivery through `services.process_envelope`, the classic path.
"""

import logging
from typing import Any

from django.db import connection
from django.utils import timezone

from notifications.bulk import NotifySpec, Push, notify_many
from webhooks import services, sns
from webhooks.models import ProcessedMessage, UnmatchedMessage
from webhooks.services import Dispatched, Outcome

logger = logging.getLogger(__name__)


class SNSNotifyKind:
    def run_batch(self, envelopes: list[sns.Envelope]) -> tuple[list[Outcome], list[Push]]:
        claimed = _claim(envelopes)
        dispatched: dict[str, Dispatched] = {}
        specs: list[tuple[str, NotifySpec]] = []
        for envelope in envelopes:
            if envelope.message_id not in claimed or envelope.message_id in dispatched:
                continue
            payload = services.direct_notify(envelope)
            spec = services.notify_spec(payload or {}, message_id=envelope.message_id)
            if isinstance(spec, str):
                dispatched[envelope.message_id] = Dispatched(False, spec)
            else:
                dispatched[envelope.message_id] = Dispatched(True, "")
                specs.append((envelope.message_id, spec))
        results, pushes = notify_many([spec for _, spec in specs])
        for (message_id, _), result in zip(specs, results, strict=True):
            dispatched[message_id] = services.stored_summary(result)
        _record(envelopes, claimed, dispatched)
        outcomes = []
        answered: set[str] = set()
        for envelope in envelopes:
            message_id = envelope.message_id
            # A MessageId twice in one batch: the first one claims it, the rest repeat it.
            if message_id in dispatched and message_id not in answered:
                answered.add(message_id)
                outcomes.append(Outcome(message_id, False, dispatched[message_id].summary))
            else:
                outcomes.append(Outcome(message_id, duplicate=True, summary="duplicate"))
        return outcomes, pushes

    def run_one(self, envelope: sns.Envelope) -> tuple[Outcome, list[Push]]:
        # The classic path registers its own pushes on commit.
        return services.process_envelope(envelope=envelope), []


SNS_NOTIFY = SNSNotifyKind()


def _claim(envelopes: list[sns.Envelope]) -> dict[str, int]:
    """Insert a ProcessedMessage per new MessageId; {MessageId: row id} of those inserted."""
    unique = list({e.message_id: e for e in envelopes}.values())
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for envelope in unique:
        sent_at = ops.adapt_datetimefield_value(envelope.sent_at)
        params += [envelope.message_id, envelope.type, envelope.topic_arn, sent_at, now, ""]
    table = ops.quote_name(ProcessedMessage._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(unique))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (message_id, type, topic_arn, sent_at, received_at, outcome) "  # noqa: S608
            f"VALUES {rows} ON CONFLICT (message_id) DO NOTHING RETURNING message_id, id",
            params,
        )
        return dict(cursor.fetchall())


def _record(
    envelopes: list[sns.Envelope], claimed: dict[str, int], dispatched: dict[str, Dispatched]
) -> None:
    by_id = {e.message_id: e for e in envelopes}
    rows = [
        ProcessedMessage(pk=pk, outcome=dispatched[message_id].summary[:300])
        for message_id, pk in claimed.items()
    ]
    ProcessedMessage.objects.bulk_update(rows, ["outcome"])
    unmatched = []
    for message_id, result in dispatched.items():
        if result.matched:
            continue
        envelope = by_id[message_id]
        logger.warning(
            "SNS notification %s from %s kept as unmatched: %s",
            message_id,
            envelope.topic_arn,
            result.summary,
        )
        unmatched.append(
            UnmatchedMessage(
                message_id=message_id,
                topic_arn=envelope.topic_arn,
                subject=(envelope.subject or "")[:100],
                message=envelope.message,
                reason=result.summary[:500],
            )
        )
    UnmatchedMessage.objects.bulk_create(unmatched)
