"""Prometheus metrics of the SNS webhook; project/metrics.py serves every app's."""

from prometheus_client import Counter

SNS_REJECTED = Counter(
    "webhooks_sns_rejected_total", "SNS deliveries refused, by kind.", ["kind", "status"]
)
