"""The reaper: nothing may leave a render job stuck. `render_jobs_reap` (a beat task) returns RUNNING
jobs whose worker died to the queue (or fails them, code `worker_lost`, after RENDER_MAX_ATTEMPTS),
and queues again the QUEUED jobs whose broker message was never sent or was lost (a broker restart
without persistence loses every queued message)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from config import clock
from render.codes import RenderCode
from render.execution import fail_worker_lost, requeue_locked
from render.models import JobStatus, RenderJob
from render.submission import enqueue_job

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReapReport:
    requeued: list[str]
    failed: list[str]
    dispatched: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {"requeued": self.requeued, "failed": self.failed, "dispatched": self.dispatched}


def render_jobs_reap() -> ReapReport:
    """Make sure no render job waits for ever (run by the `render-reap` beat task and `render_reap`).

    - RUNNING jobs whose lease ran out more than RENDER_REAP_GRACE_SECONDS ago lost their worker and
      no redelivery took them over: back to QUEUED (attempts left) or FAILED with `worker_lost`.
    - QUEUED jobs never dispatched (the broker was down at submission) or dispatched longer than
      RENDER_REDISPATCH_SECONDS ago (a broker restart may have lost the message) get their task
      sent again. A duplicate message is harmless: claiming a job is idempotent.

    Each job is handled in its own transaction under its row lock, skipping rows another reaper or
    worker holds, so two reapers never act on one job.
    """
    now = clock.now()
    grace = timedelta(seconds=settings.RENDER_REAP_GRACE_SECONDS)
    requeued: list[str] = []
    failed: list[str] = []
    stale = RenderJob.objects.filter(status=JobStatus.RUNNING, lease_until__lt=now - grace)
    for job_id in list(stale.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            job = (
                RenderJob.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status=JobStatus.RUNNING, lease_until__lt=now - grace)
                .first()
            )
            if job is None:
                continue
            if job.attempts >= settings.RENDER_MAX_ATTEMPTS:
                fail_worker_lost(job)
                failed.append(str(job.pk))
                continue
            requeue_locked(job, code=RenderCode.WORKER_LOST, retry_at=None)
            requeued.append(str(job.pk))
    redispatch_before = now - timedelta(seconds=settings.RENDER_REDISPATCH_SECONDS)
    waiting = RenderJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(pk__in=requeued)
        | Q(dispatched_at__isnull=True, created_at__lt=now - grace)
        | Q(dispatched_at__lt=redispatch_before)
    )
    dispatched = [
        str(job_id)
        for job_id in waiting.order_by("created_at").values_list("pk", flat=True)[:500]
        if enqueue_job(job_id)
    ]
    if requeued or failed or dispatched:
        logger.info("render reaper: %d requeued, %d failed, %d dispatched", len(requeued), len(failed), len(dispatched))
    return ReapReport(requeued=requeued, failed=failed, dispatched=dispatched)
