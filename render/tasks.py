"""Celery entry points for renders. They take ids and call services; running one twice is safe."""

from __future__ import annotations

from celery import shared_task

from render.services import render_job_execute


@shared_task(name="render.tasks.render_job_run", acks_late=True, reject_on_worker_lost=True)
def render_job_run(job_id: str) -> None:
    render_job_execute(job_id)
