"""The sender: claim what is due, POST it signed, record the outcome.

At least once: an event is marked delivered only after a 2xx answer, so a sender that
dies between the POST and that mark sends it again later, with the same `webhook-id`
(receivers de-duplicate on it). Signed as the Standard Webhooks specification says, with
its reference library (`standardwebhooks`): `webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`, the timestamp being the attempt's.

Private addresses are refused as for Web Push (offline/webpush/network.py checks
the address actually connected to); OUTBOUND_WEBHOOK_ALLOW_LOOPBACK lets tests and
development POST to a receiver on loopback.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from offline.webpush import network
from outbound import metrics, wake
from outbound.models import OutboundEvent

logger = logging.getLogger(__name__)

BATCH = 20  # events claimed per pass
State = OutboundEvent.State


@dataclass(frozen=True)
class Failure:
    error: str
    endpoint_down: bool  # no answer, 5xx, 408 or 429: the rest of the batch waits too


def deliver_due(*, limit: int = BATCH) -> int:
    """Claim up to `limit` due events and POST them in order; returns how many were claimed.

    After a failure that says the endpoint is down, the rest of the batch is put back
    to wait as long as the failed one: one probe per backoff step during an outage,
    not one per pending event.
    """
    url = settings.OUTBOUND_WEBHOOK_URL
    if not url:
        return 0
    claimed = _claim(limit)
    if not claimed:
        return 0
    signer = Webhook(settings.OUTBOUND_WEBHOOK_SECRET)
    delivered: list[OutboundEvent] = []
    try:
        with _session(url) as http:
            for index, event in enumerate(claimed):
                outcome = _post(http, signer, url, event)
                if outcome is None:
                    delivered.append(event)
                    continue
                retry_at = _failed(event, outcome)
                if outcome.endpoint_down:
                    rest = [e.pk for e in claimed[index + 1 :]]
                    OutboundEvent.objects.filter(pk__in=rest, state=State.PENDING).update(
                        next_attempt_at=retry_at
                    )
                    break
    finally:
        # One UPDATE for the batch, not one commit per event. A sender that dies before it
        # sends these again later: at least once, the receivers de-duplicate.
        _delivered(delivered)
    return len(claimed)


def next_due() -> datetime | None:
    """When the earliest pending event is due (None: nothing pending)."""
    return (
        OutboundEvent.objects.filter(state=State.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failures: doubling, capped, with
    jitter (half to all of it), so receivers coming back are not hit all at once."""
    delay = min(
        settings.OUTBOUND_WEBHOOK_RETRY_MAX,
        settings.OUTBOUND_WEBHOOK_RETRY_BASE * 2 ** min(attempts - 1, 40),
    )
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def redrive(*, ids: list[int] | None = None) -> int:
    """Dead events (these, or all) become due now with a fresh count; returns how many."""
    dead = OutboundEvent.objects.filter(state=State.DEAD)
    if ids is not None:
        dead = dead.filter(pk__in=ids)
    count = dead.update(
        state=State.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        redrive_count=F("redrive_count") + 1,
    )
    if count:
        wake.after_commit()
    return count


def purge_delivered() -> int:
    """Delete delivered events older than OUTBOUND_WEBHOOK_KEEP_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOUND_WEBHOOK_KEEP_DAYS)
    return OutboundEvent.objects.filter(state=State.DELIVERED, created_at__lt=cutoff).delete()[0]


def _claim(limit: int) -> list[OutboundEvent]:
    now = timezone.now()
    with transaction.atomic():
        events = list(
            OutboundEvent.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        if events:
            # The lease: long enough for every POST of the batch to time out, so no other
            # sender takes these while this one may still be sending them.
            timeout = settings.OUTBOUND_WEBHOOK_TIMEOUT
            lease = now + timedelta(seconds=timeout * (len(events) + 1))
            OutboundEvent.objects.filter(pk__in=[e.pk for e in events]).update(
                next_attempt_at=lease
            )
    return events


def _session(url: str) -> requests.Session:
    if settings.OUTBOUND_WEBHOOK_ALLOW_LOOPBACK:
        parts = urlsplit(url)
        try:
            addresses = network.resolve(parts.hostname or "", parts.port or 443)
        except network.PrivateAddress:
            addresses = []
        if addresses and all(a.is_loopback for a in addresses):
            plain = requests.Session()
            plain.trust_env = False
            return plain
    return network.session()


def _post(
    http: requests.Session, signer: Webhook, url: str, event: OutboundEvent
) -> Failure | None:
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "live-notifications-webhooks/1",
        "webhook-id": event.webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signer.sign(
            event.webhook_id, datetime.fromtimestamp(stamp, UTC), event.body
        ),
    }
    started = time.perf_counter()
    try:
        # No redirects: a 3xx is an answer to fix at the receiver, not a new address.
        with http.post(
            url,
            data=event.body.encode(),
            headers=headers,
            timeout=settings.OUTBOUND_WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,  # the answer's body is never read
        ) as response:
            status = response.status_code
    except requests.RequestException as exc:
        return Failure(f"{type(exc).__name__}: {exc}"[:500], endpoint_down=True)
    finally:
        metrics.REQUEST_SECONDS.observe(time.perf_counter() - started)
    if 200 <= status < 300:
        return None
    return Failure(f"HTTP {status}", endpoint_down=status >= 500 or status in (408, 429))


def _delivered(events: list[OutboundEvent]) -> None:
    if not events:
        return
    now = timezone.now()
    OutboundEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        state=State.DELIVERED, delivered_at=now, attempts=F("attempts") + 1, last_error=""
    )
    metrics.ATTEMPTS.labels("delivered").inc(len(events))
    for event in events:
        metrics.COMMIT_TO_DELIVERY.observe((now - event.created_at).total_seconds())


def _failed(event: OutboundEvent, failure: Failure) -> datetime:
    attempts = event.attempts + 1
    now = timezone.now()
    dead = attempts >= settings.OUTBOUND_WEBHOOK_MAX_ATTEMPTS
    retry_at = now + timedelta(seconds=backoff(attempts))
    OutboundEvent.objects.filter(pk=event.pk).update(
        state=State.DEAD if dead else State.PENDING,
        attempts=attempts,
        next_attempt_at=retry_at,
        last_error=failure.error,
    )
    metrics.ATTEMPTS.labels("dead" if dead else "failed").inc()
    if dead:
        logger.warning(
            "outbound webhook %s dead after %d attempts: %s",
            event.webhook_id,
            attempts,
            failure.error,
        )
    elif attempts == 1:
        logger.info("outbound webhook %s failed (%s); retrying", event.webhook_id, failure.error)
    return retry_at
