"""Finish large fan-outs left unfinished (docs/api.md, "Many users at once")."""

from fanout import jobs as fanout_jobs
from workers.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Write every fan-out job (POST /api/notify/ past NOTIFY_FANOUT_INLINE_MAX "
        "recipients) left unfinished, e.g. by a restart, in steps."
    )
    batch = 1_000_000  # each pass finishes every job it finds
    done = "wrote {} fan-out steps"

    def run_once(self) -> int:
        return fanout_jobs.run_unfinished()
