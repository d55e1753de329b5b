"""Prometheus metrics of the notifications app; project/metrics.py serves every app's."""

from prometheus_client import Counter, Histogram

# Latency buckets in seconds, fine at the low end where the path should live.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

INGRESS_TO_COMMIT = Histogram(
    "notifications_ingress_to_commit_seconds",
    "From a write joining the batching writer's queue to its batch committing.",
    buckets=BUCKETS,
)
COMMIT_TO_SEND = Histogram(
    "notifications_commit_to_group_send_seconds",
    "From a batch's commit to the channel layer accepting its pushes.",
    buckets=BUCKETS,
)
WRITER_BATCH = Histogram(
    "notifications_writer_batch_size",
    "Jobs per batch of the batching writer (one transaction each).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
WRITER_REFUSED = Counter(
    "notifications_writer_refused_total", "Writes refused because the writer's queue was full."
)
