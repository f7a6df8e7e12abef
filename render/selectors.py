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


def render_job_for_evidence(user: Any, job_id: uuid.UUID) -> RenderJob:
    """The studio, the likeness's owner, auditors and admins may export a job's evidence."""
    from django.db.models import Q

    from audit.access import can_read_audit_trail

    jobs = RenderJob.objects.select_related("license", "license__likeness__owner")
    if not can_read_audit_trail(user):
        jobs = jobs.filter(Q(studio__memberships__user=user) | Q(license__likeness__owner__user=user)).distinct()
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound("no such render job")
    return job


def render_job_visible_to(user: Any, job_id: uuid.UUID) -> RenderJob:
    job = render_jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("no such render job")
    return job


def render_jobs_under_license(license: Any) -> QuerySet[RenderJob]:
    """Every render made under a licence, newest first: what its owner is shown."""
    return RenderJob.objects.filter(license=license).select_related("studio", "license").order_by("-created_at")


def render_job_seen_by_party(user: Any, job_id: uuid.UUID) -> RenderJob:
    """A job seen by the studio that ran it or by the owner of the likeness it used; others get 404."""
    from licensing.selectors import licenses_visible_to

    job = render_jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        job = RenderJob.objects.filter(pk=job_id, license__in=licenses_visible_to(user)).first()
    if job is None:
        raise NotFound("no such render job")
    return job


def work_titles_of_files(sha256s: list[str]) -> dict[str, str]:
    """The title of the work each rendered file belongs to, by the file's sha256."""
    from licensing.models import WorkFile

    return dict(WorkFile.objects.filter(sha256__in=sha256s).values_list("sha256", "work__title"))
