"""Celery entry points for renders. They take ids and call services; running one twice is safe.

Renders go to the `renders` queue (CELERY_TASK_ROUTES) with their own time limits
(CELERY_TASK_ANNOTATIONS), so they never hold up the short tasks on `default`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import shared_task
from django.conf import settings

from config.metrics import RENDER_SECONDS
from render.execution import render_job_execute
from render.models import JobStatus, RenderJob
from render.reaper import render_jobs_reap

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, name="render.tasks.render_job_run", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def render_job_run(self: Any, job_id: str) -> None:
    logger.info("render job %s picked up", job_id, extra={"job_id": job_id})
    started = time.perf_counter()
    wait = render_job_execute(job_id)
    if wait is not None and not self.request.is_eager:
        # Another worker holds the job (if it is alive it finishes the job and this retry finds it
        # done; if it died, its lease runs out and this retry takes the job over), or an outage sent
        # the job back to the queue and this is its backoff. Without the retry the job would wait
        # for the reaper. The number of attempts is bounded by the service (RENDER_MAX_ATTEMPTS).
        logger.info("render job %s: looking again in %.0f s", job_id, wait + 1, extra={"job_id": job_id})
        raise self.retry(countdown=wait + 1)
    for _ in range(settings.RENDER_MAX_ATTEMPTS):
        # Inline (eager) runs have no broker to retry through: an outage's retries happen at once.
        # Bounded, so an outage that outlasts them leaves the job QUEUED for the reaper.
        if wait is None or not RenderJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).exists():
            break
        wait = render_job_execute(job_id)
    state = RenderJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    seconds = time.perf_counter() - started
    RENDER_SECONDS.labels(state=state).observe(seconds)
    logger.info("render job %s ended %s in %.2f s", job_id, state, seconds, extra={"job_id": job_id, "state": state})


@shared_task(name="render.tasks.render_jobs_reap_task")
def render_jobs_reap_task() -> dict[str, list[str]]:
    return render_jobs_reap().as_dict()
