"""The render job's state machine: which status changes are allowed, and the one function that makes them.

Every change of `RenderJob.status` goes through `render_job_transition`, which refuses an edge the
table does not list (code `render_job_transition_refused`), saves the new status with the fields the
caller changes alongside it, and writes the change's audit entry in the same transaction. The caller
holds the job's row lock (select_for_update) and has taken any other row lock it needs first.

A job is created QUEUED (render/submission.py). RUNNING -> RUNNING is a take-over: a worker resumes a
job whose previous worker died (its lease ran out).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config.errors import Conflict
from render.codes import RenderCode
from render.models import JobStatus, RenderJob

ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.REFUSED, JobStatus.REVOKED, JobStatus.CANCELLED}),
    JobStatus.RUNNING: frozenset(
        {
            JobStatus.RUNNING,
            JobStatus.QUEUED,
            JobStatus.COMPLETED,
            JobStatus.REFUSED,
            JobStatus.FAILED,
            JobStatus.REVOKED,
            JobStatus.CANCELLED,
        }
    ),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.REFUSED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.REVOKED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}

TRANSITION_REFUSED = RenderCode.TRANSITION_REFUSED


def render_job_transition(
    job: RenderJob,
    *,
    to: JobStatus,
    action: AuditAction,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
    actor: Actor = None,
    actor_label: str | None = None,
) -> RenderJob:
    """Move `job` (its row locked by the caller) to `to`, setting `changes` too; save and audit.

    Raises Conflict (`render_job_transition_refused`) for an edge the table does not allow, before
    anything is written.
    """
    current = JobStatus(job.status)
    if to not in ALLOWED[current]:
        raise Conflict(
            f"a render job cannot go from {current.value} to {to.value}",
            code=TRANSITION_REFUSED,
            detail={"from": current.value, "to": to.value},
        )
    fields = {"status": to, **(changes or {})}
    for name, value in fields.items():
        setattr(job, name, value)
    with transaction.atomic():
        job.save(update_fields=list(fields))
        audit_record(actor=actor, action=action, target=job, data=data, actor_label=actor_label)
    return job
