"""SNS deliveries: verify, record the MessageId once, dispatch. The only writers here.

The MessageId row and every effect of a delivery share one transaction: a failure rolls
both back, and SNS's retry (same MessageId) starts over cleanly; a repeat after success
finds the row and changes nothing.
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import live, validators
from notifications.bulk import NotifySpec, Refused, Stored, notify_many
from webhooks import certs, producers, sns
from webhooks.errors import Unavailable
from webhooks.models import ProcessedMessage, UnmatchedMessage

logger = logging.getLogger(__name__)

NOTIFY_KEYS = {"user", "text", "level", "link", "group"}


def clock() -> datetime:
    """Now, for freshness and certificate validity (tests replace it)."""
    return timezone.now()


@dataclass(frozen=True)
class Outcome:
    message_id: str
    duplicate: bool
    summary: str


@dataclass(frozen=True)
class Dispatched:
    matched: bool
    summary: str


def receive_delivery(*, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """Verify one SNS POST and act on it exactly once; raises `errors.Rejected` otherwise."""
    return process_envelope(envelope=verify_delivery(body=body, headers=headers))


def verify_delivery(*, body: bytes, headers: Mapping[str, str], fetch: bool = True) -> sns.Envelope:
    """The verified envelope, or `errors.Rejected`; with fetch=False no network I/O is done
    (`certs.NotCached` when the signing certificate would need a fetch)."""
    return sns.verify(
        body,
        headers,
        # Settings are read per request, so an override (or a test) takes effect at once.
        allowed_topic_arns=settings.SNS_ALLOWED_TOPIC_ARNS,
        max_age=timedelta(seconds=settings.SNS_MAX_AGE_SECONDS),
        now=clock(),
        load_key=certs.make_loader(
            cert_dir=settings.SNS_CERT_DIR,
            timeout=settings.SNS_CERT_FETCH_TIMEOUT,
            cache_size=settings.SNS_CERT_CACHE_SIZE,
            fetch=fetch,
        ),
    )


def process_envelope(*, envelope: sns.Envelope) -> Outcome:
    """Record the MessageId and dispatch, in one transaction; a seen id changes nothing."""
    try:
        with transaction.atomic():
            # The insert comes first: a concurrent delivery of the same id waits on it and
            # then fails, before dispatching anything.
            record = ProcessedMessage.objects.create(
                message_id=envelope.message_id,
                type=envelope.type,
                topic_arn=envelope.topic_arn,
                sent_at=envelope.sent_at,
            )
            summary = _dispatch(envelope)
            record.outcome = summary[:300]
            record.save(update_fields=["outcome"])
    except IntegrityError:
        # Everything above rolled back; a duplicate if the id is recorded, else a real fault.
        if ProcessedMessage.objects.filter(message_id=envelope.message_id).exists():
            return Outcome(envelope.message_id, duplicate=True, summary="duplicate")
        raise
    return Outcome(envelope.message_id, duplicate=False, summary=summary)


def _dispatch(envelope: sns.Envelope) -> str:
    if envelope.type == sns.SUBSCRIPTION_CONFIRMATION:
        return confirm_subscription(topic=envelope.topic, token=envelope.token)
    if envelope.type == sns.UNSUBSCRIBE_CONFIRMATION:
        # Visiting its SubscribeURL would subscribe us again: an operator decides.
        logger.warning(
            "SNS subscription to %s was deleted (UnsubscribeConfirmation %s); not re-subscribing",
            envelope.topic_arn,
            envelope.message_id,
        )
        return "unsubscribe confirmation logged"
    result = dispatch_message(message_id=envelope.message_id, message=envelope.message)
    if not result.matched:
        unmatched(envelope, result.summary).save()
    return result.summary


def unmatched(envelope: sns.Envelope, reason: str) -> UnmatchedMessage:
    """The row that keeps a Notification nothing applied to, for re-drive (logged once)."""
    logger.warning(
        "SNS notification %s from %s kept as unmatched: %s",
        envelope.message_id,
        envelope.topic_arn,
        reason,
    )
    return UnmatchedMessage(
        message_id=envelope.message_id,
        topic_arn=envelope.topic_arn,
        subject=(envelope.subject or "")[:100],
        message=envelope.message,
        reason=reason[:500],
    )


def dispatch_message(*, message_id: str, message: str) -> Dispatched:
    """Apply a verified Notification's Message; unmatched (with why) when nothing applies."""
    try:
        payload = json.loads(message)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser
        return Dispatched(False, "Message is not JSON")
    if isinstance(payload, dict) and "notify" in payload:
        return _direct_notify(payload, message_id=message_id)
    try:
        parsed = producers.parse_payload(payload)
    except producers.UnknownPayload as exc:
        return Dispatched(False, str(exc))
    if parsed.ignorable:
        logger.info("SNS notification %s: %s, nothing to do", message_id, parsed.note)
        return Dispatched(True, parsed.note)
    if not parsed.events:
        return Dispatched(False, parsed.note)
    # Imported at call time: uploads owns job state and its dedupe on (job, state).
    from uploads import services as upload_services

    missing = [
        f"no file for {parsed.producer} job {event.job_id} ({event.state})"
        for event in parsed.events
        if not upload_services.apply_job_event(event)
    ]
    if missing:
        return Dispatched(False, "; ".join(missing))
    applied = ", ".join(f"{e.job_id} {e.state}" for e in parsed.events)
    return Dispatched(True, f"{parsed.producer} job {applied} applied")


def direct_notify(envelope: sns.Envelope) -> dict[str, Any] | None:
    """The Message of a Notification of the form `{"notify": ...}`, else None."""
    if envelope.type != sns.NOTIFICATION:
        return None
    try:
        payload = json.loads(envelope.message)
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) and "notify" in payload else None


def notify_spec(payload: dict[str, Any], *, message_id: str) -> NotifySpec | str:
    """`{"notify": {"user", "text", "level"?, "link"?, "group"?}}` as a spec, or why it is
    invalid."""
    spec = payload["notify"]
    if len(payload) != 1 or not isinstance(spec, dict):
        return 'invalid notify payload: expected exactly {"notify": {...}}'
    unknown = set(spec) - NOTIFY_KEYS
    if unknown:
        return f"invalid notify payload: unknown keys {sorted(unknown)[:5]}"
    if not all(isinstance(spec.get(k, ""), str) for k in NOTIFY_KEYS):
        return "invalid notify payload: every value must be a string"
    if not spec.get("user") or "text" not in spec:
        return "invalid notify payload: user and text are required"
    if not validators.storable(spec["user"]):
        # Looked up as it is: PostgreSQL refuses NUL in a query parameter.
        return "invalid notify payload: user must not contain NUL or lone surrogates"
    return NotifySpec(
        username=spec["user"],
        text=spec["text"],
        level=spec.get("level", "info"),
        link=spec.get("link", ""),
        group=spec.get("group", ""),
        # The message is found by source_id = MessageId.
        source_id=message_id,
    )


def stored_summary(result: Stored | NotifySpec | Refused) -> Dispatched:
    """How a direct notify ends (stored, or resolved to be), as ProcessedMessage.outcome."""
    if isinstance(result, (Stored, NotifySpec)):
        return Dispatched(True, f"notified user {result.user_id}")
    if result.code == "unknown_user":
        return Dispatched(False, result.detail)
    return Dispatched(False, f"invalid notify payload: {result.detail}")


def _direct_notify(payload: dict[str, Any], *, message_id: str) -> Dispatched:
    spec = notify_spec(payload, message_id=message_id)
    if isinstance(spec, str):
        return Dispatched(False, spec)
    # The same rows and frames as the batching writer's, for one delivery.
    results, pushes = notify_many([spec])
    for user_id, frame in pushes:
        live.send_on_commit(user_id, frame)
    return stored_summary(results[0])


def sns_client(region: str) -> Any:
    """An SNS client for the topic's own region, with timeouts well under SNS's 15 s."""
    config = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})
    return boto3.client("sns", region_name=region, config=config)


def confirm_subscription(*, topic: sns.Topic, token: str) -> str:
    """Confirm through the API, never by fetching SubscribeURL; only owners may unsubscribe."""
    try:
        response = sns_client(topic.region).confirm_subscription(
            TopicArn=topic.arn, Token=token, AuthenticateOnUnsubscribe="true"
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or "Throttl" in code:
            raise Unavailable(f"ConfirmSubscription failed transiently: {code}") from None
        # A refused token (expired, foreign) will not get better with SNS's retries;
        # the operator re-requests confirmation from the console.
        logger.error("confirming the SNS subscription to %s was refused: %s", topic.arn, code)
        return f"confirmation refused: {code}"
    except BotoCoreError as exc:
        raise Unavailable(f"ConfirmSubscription failed: {type(exc).__name__}") from None
    arn = response.get("SubscriptionArn", "")
    logger.info("confirmed SNS subscription %s", arn)
    return f"confirmed {arn}"


def redrive_unmatched(*, unmatched_id: int) -> bool:
    """Dispatch a kept message again; True (and resolved) when it now applies."""
    with transaction.atomic():
        row = UnmatchedMessage.objects.select_for_update().filter(pk=unmatched_id).first()
        if row is None:
            return False
        if row.resolved_at is not None:
            return True
        result = dispatch_message(message_id=row.message_id, message=row.message)
        row.redrive_count += 1
        row.last_redrive_at = timezone.now()
        if result.matched:
            row.resolved_at = row.last_redrive_at
        else:
            row.reason = result.summary[:500]
        row.save(update_fields=["redrive_count", "last_redrive_at", "resolved_at", "reason"])
        ProcessedMessage.objects.filter(message_id=row.message_id).update(
            outcome=f"re-driven: {result.summary}"[:300]
        )
    return result.matched
