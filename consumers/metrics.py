"""Prometheus metrics of the sockets; project/metrics.py serves every app's."""

from prometheus_client import Counter, Gauge, Histogram

from notifications.metrics import BUCKETS

ACK_ROUND_TRIP = Histogram(
    "notifications_ack_seconds",
    "From an ack frame arriving to its messages being marked read.",
    buckets=BUCKETS,
)
OPEN_SOCKETS = Gauge("notifications_open_sockets", "Notification sockets open in this process.")
FRAMES_REJECTED = Counter(
    "notifications_frames_rejected_total", "Client frames answered with an error.", ["code"]
)
