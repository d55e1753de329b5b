"""Prometheus metrics of the live transport; project/metrics.py serves every app's.

The names keep their `notifications_` prefix from before the transport had an app of its
own, so dashboards and alerts that read them keep working.
"""

from prometheus_client import Counter

SENDS_FAILED = Counter(
    "notifications_sends_failed_total", "Frames the channel layer did not take (logged)."
)
# SENDS_FAILED's former name ("push" is Web Push's word now), still counted so dashboards
# that read it keep working: deprecated.
PUSHES_FAILED = Counter(
    "notifications_pushes_failed_total", "Deprecated: notifications_sends_failed_total."
)


def sends_failed(count: int = 1) -> None:
    """Count frames the channel layer did not take, under the new name and the old."""
    SENDS_FAILED.inc(count)
    PUSHES_FAILED.inc(count)
