from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from audit.access import is_admin
from config.errors import NotFound
from render.models import RenderJob


def render_jobs_visible_to(user: Any) -> QuerySet[RenderJob]:
    """A studio's members see its jobs; admins see all; nobody else sees any."""
    jobs = RenderJob.objects.select_related("studio").order_by("-created_at")
    if is_admin(user):
        return jobs
    return jobs.filter(studio__memberships__user=user).distinct()


def render_job_visible_to(user: Any, job_id: uuid.UUID) -> RenderJob:
    job = render_jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("no such render job")
    return job
