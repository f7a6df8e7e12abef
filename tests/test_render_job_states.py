"""The render job's state machine: every allowed status change is made, saved and audited; every other
one is refused with `render_job_transition_refused`, and nothing is written.

Personas: a studio (Studio Pictures) whose member submitted the job; the render worker moves it.
"""

from __future__ import annotations

import uuid

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from config import clock
from config.errors import Conflict
from render.job_states import ALLOWED, TRANSITION_REFUSED, render_job_transition
from render.models import JobStatus, RenderJob
from tests.factories import Member, make_studio

pytestmark = pytest.mark.django_db

EDGES = [(a, b) for a in JobStatus for b in JobStatus]


def job_in(studio: Member, status: JobStatus) -> RenderJob:
    return RenderJob.objects.create(
        studio=studio.organisation,
        submitted_by=studio.user,
        requested_license_id=uuid.uuid4(),
        target_name="uploads/x.jpg",
        target_sha256="0" * 64,
        media_type="image",
        purpose="film",
        territory="FR",
        status=status,
        created_at=clock.now(),
    )


def audited(job: RenderJob) -> list[tuple[str, dict]]:
    entries = AuditEntry.objects.filter(target_type="render.renderjob", target_id=str(job.pk)).order_by("seq")
    return [(e.action, e.data) for e in entries]


def test_the_table_is_the_documented_life_of_a_job() -> None:
    """Queued jobs start, or end without output; only a running job completes, fails or goes back to
    the queue (an outage, a dead worker), and a take-over resumes it; a final status leads nowhere."""
    q, r = JobStatus.QUEUED, JobStatus.RUNNING
    c, rf, f, rv, x = JobStatus.COMPLETED, JobStatus.REFUSED, JobStatus.FAILED, JobStatus.REVOKED, JobStatus.CANCELLED
    assert ALLOWED == {
        q: {r, rf, rv, x},
        r: {r, q, c, rf, f, rv, x},
        c: set(),
        rf: set(),
        f: set(),
        rv: set(),
        x: set(),
    }


@pytest.mark.parametrize(("source", "target"), [e for e in EDGES if e[1] in ALLOWED[e[0]]], ids=str)
def test_an_allowed_change_is_saved_with_its_fields_and_audited(source: JobStatus, target: JobStatus) -> None:
    studio = make_studio()
    job = job_in(studio, source)
    finished = clock.now()

    render_job_transition(
        job,
        to=target,
        action=AuditAction.RENDER_JOB_FAILED,
        data={"code": "test"},
        changes={"finished_at": finished, "error_code": "test"},
        actor_label="render-worker",
    )

    stored = RenderJob.objects.get(pk=job.pk)
    assert (stored.status, stored.finished_at, stored.error_code) == (target, finished, "test")
    assert audited(job) == [(AuditAction.RENDER_JOB_FAILED.value, {"code": "test"})]


@pytest.mark.parametrize(("source", "target"), [e for e in EDGES if e[1] not in ALLOWED[e[0]]], ids=str)
def test_a_forbidden_change_is_refused_and_writes_nothing(source: JobStatus, target: JobStatus) -> None:
    studio = make_studio()
    job = job_in(studio, source)

    with pytest.raises(Conflict) as refused:
        render_job_transition(
            job, to=target, action=AuditAction.RENDER_JOB_FAILED, data={}, changes={"error_code": "test"}
        )

    assert refused.value.code == TRANSITION_REFUSED
    assert refused.value.detail == {"from": source.value, "to": target.value}
    stored = RenderJob.objects.get(pk=job.pk)
    assert (stored.status, stored.error_code) == (source, "")
    assert audited(job) == []
