"""Fan-outs too big for one request: accepted as a FanOutJob row, written in steps.

`POST /api/notify/` past NOTIFY_FANOUT_INLINE_MAX recipients answers 202 with a status
URL at once (100,004 recipients took one 63 s request, issue #19). A job is written in
steps of NOTIFICATIONS_BULK_SLICE recipients in user id order, each step its own short
transaction that locks the job row (`SKIP LOCKED`: two workers never write one step
twice) and moves its cursor, so no lock is held for the whole fan-out and a job
interrupted by a restart resumes where it stopped.

Who runs the steps: a thread of the process that accepted the job starts at once (after
commit); `manage.py fanout_jobs --every 5` (the Procfile's `fanout` line) runs any job
left unfinished (a restart, a crash) as the backstop.
"""

import logging
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import close_old_connections, transaction
from django.utils import timezone

from fanout.models import FanOutJob
from notifications import selectors, services
from notifications.validators import clean

logger = logging.getLogger(__name__)


def _recipients(targets: dict[str, Any]) -> Any:
    users = get_user_model()._default_manager.filter(is_active=True)
    if targets.get("all_active"):
        return users
    if "group" in targets:
        return users.filter(groups__name=targets["group"])
    return users.filter(username__in=targets.get("usernames", []))


def count(targets: dict[str, Any]) -> int:
    """How many active users `targets` names now (one COUNT); UnknownRecipients for a
    group that does not exist."""
    if "group" in targets and not Group.objects.filter(name=targets["group"]).exists():
        raise selectors.UnknownRecipients(f"unknown group {targets['group'][:150]!r}")
    return _recipients(targets).count()


def accept(
    *,
    targets: dict[str, Any],
    recipients: int,
    text: str,
    level: str,
    link: str,
    source_id: str | None,
) -> FanOutJob:
    """Store the job (its content cleaned: InvalidNotification now, not in a step) and
    start writing it once the row is committed."""
    text, level, link = clean(text, level, link)
    job = FanOutJob.objects.create(
        targets=targets,
        recipients=recipients,
        text=text,
        level=level,
        link=link,
        source_id=source_id,
    )
    transaction.on_commit(lambda: start(job.pk))
    return job


def start(job_id: int) -> None:
    """Write the job in a thread of this process (the command is the backstop)."""
    threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True).start()


def _run_in_thread(job_id: int) -> None:
    try:
        run(job_id)
    except Exception:
        logger.warning("fan-out job %s stopped; `fanout_jobs` resumes it", job_id, exc_info=True)
    finally:
        close_old_connections()


def run(job_id: int) -> int:
    """Every remaining step of one job; how many steps this call wrote."""
    steps = 0
    while step(job_id):
        steps += 1
    return steps


def step(job_id: int) -> bool:
    """Write the next slice of recipients; False when the job is done or another worker
    holds it."""
    with transaction.atomic():
        job = (
            FanOutJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, finished_at__isnull=True)
            .first()
        )
        if job is None:
            return False
        ids = list(
            _recipients(job.targets)
            .filter(pk__gt=job.after)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.NOTIFICATIONS_BULK_SLICE]
        )
        if not ids:
            job.finished_at = timezone.now()
            job.save(update_fields=["finished_at"])
            return False
        result = services.notify_users(
            user_ids=ids, text=job.text, level=job.level, link=job.link, source_id=job.source_id
        )
        job.after, job.processed = ids[-1], job.processed + len(ids)
        job.created += result.created
        job.save(update_fields=["after", "processed", "created"])
    return True


def run_unfinished() -> int:
    """The backstop (`manage.py fanout_jobs`): finish every job left unfinished."""
    steps = 0
    for job_id in FanOutJob.objects.filter(finished_at__isnull=True).values_list("pk", flat=True):
        steps += run(job_id)
    return steps


def job(*, job_id: int) -> FanOutJob | None:
    """The job with that id, or None (its status URL)."""
    return FanOutJob.objects.filter(pk=job_id).first()


def status(job: FanOutJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": "done" if job.finished_at else ("running" if job.processed else "pending"),
        "recipients": job.recipients,
        "processed": job.processed,
        "created": job.created,
    }
