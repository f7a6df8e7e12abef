"""Celery entry points for renders. They take ids and call services; running one twice is safe.

Renders go to the `renders` queue (CELERY_TASK_ROUTES) with their own time limits
(CELERY_TASK_ANNOTATIONS), so they never hold up the short tasks on `default`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import shared_task

from config.metrics import RENDER_SECONDS
from render.models import RenderJob
from render.services import render_job_execute

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, name="render.tasks.render_job_run", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def render_job_run(self: Any, job_id: str) -> None:
    logger.info("render job %s picked up", job_id, extra={"job_id": job_id})
    started = time.perf_counter()
    wait = render_job_execute(job_id)
    if wait is not None and not self.request.is_eager:
        # Another worker holds the job. If that worker is alive, it finishes the job and this retry
        # finds it done; if it died, its lease runs out and this retry takes the job over. Without
        # the retry the job stays RUNNING forever (see render_job_execute). Inline (eager) runs
        # never meet a held job: nothing else runs them.
        logger.info("render job %s is held by another worker; looking again in %.0f s", job_id, wait + 1)
        raise self.retry(countdown=wait + 1)
    state = RenderJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    seconds = time.perf_counter() - started
    RENDER_SECONDS.labels(state=state).observe(seconds)
    logger.info("render job %s ended %s in %.2f s", job_id, state, seconds, extra={"job_id": job_id, "state": state})
