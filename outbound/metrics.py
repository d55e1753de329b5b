"""Prometheus metrics of the outbound webhooks; project/metrics.py serves every app's.

The counters are per process (the processes that send: servers with in-process delivery,
`send_webhooks`); the backlog gauges are read from the outbox at scrape time, so any
process's /metrics tells the whole deployment's backlog.
"""

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation
from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

ATTEMPTS = Counter(
    "outbound_webhook_attempts_total",
    "POSTs of outbound webhook events, by outcome (delivered, failed and retried, dead).",
    ["outcome"],
)
REQUEST_SECONDS = Histogram(
    "outbound_webhook_request_seconds",
    "Time of one POST to OUTBOUND_WEBHOOK_URL, answered or not.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMIT_TO_DELIVERY = Histogram(
    "outbound_webhook_commit_to_delivery_seconds",
    "From an event's commit to its successful POST (retries included).",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21600),
)


class BacklogCollector(Collector):
    """Pending and dead events, and the age of the oldest pending one, from the outbox."""

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "outbound_webhook_events", "Outbox events by state.", labels=["state"]
            ),
            GaugeMetricFamily(
                "outbound_webhook_oldest_pending_seconds",
                "Age of the oldest event not yet delivered (0: none).",
            ),
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration reads the names here, so importing never queries the database.
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from outbound.models import OutboundEvent

        if not settings.OUTBOUND_WEBHOOK_URL:
            return  # off: no outbox worth a query
        by_state, oldest = self._families()
        try:
            counts = dict(
                OutboundEvent.objects.filter(state__in=["pending", "dead"])
                .values_list("state")
                .annotate(n=Count("id"))
            )
            first = OutboundEvent.objects.filter(state="pending").aggregate(t=Min("created_at"))[
                "t"
            ]
        except (DatabaseError, SynchronousOnlyOperation):
            # No outbox to read (a scrape during an outage, or a collection from an event
            # loop, where the ORM may not run): no backlog figures this time.
            return
        for state in ("pending", "dead"):
            by_state.add_metric([state], counts.get(state, 0))
        oldest.add_metric([], (timezone.now() - first).total_seconds() if first else 0.0)
        yield by_state
        yield oldest


REGISTRY.register(BacklogCollector())
