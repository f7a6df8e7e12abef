"""A render task may be delivered twice, or its worker may die: each job still renders exactly once.

Personas: Ada licensed her likeness to Studio; Studio submits stills of Rights' film. Brokers deliver
at least once (acks_late), so the worker's run must tolerate a second delivery, a delivery while
another worker holds the job, and a worker that died holding it (its lease runs out). A studio may
cancel a job that has not run yet, and nothing else.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from celery.exceptions import Retry

from audit.actions import AuditAction
from audit.models import AuditEntry
from licensing.lifecycle import license_revoke
from licensing.models import License
from render import execution
from render.execution import _Claim, _claim, render_job_execute
from render.models import JobStatus, RenderJob
from render.tasks import render_job_run
from tests.render_checks import job_actions, job_entries, stored_files, stored_outputs, submit_queued
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def entries_now() -> int:
    return AuditEntry.objects.count()


def test_a_task_delivered_twice_renders_once_with_one_set_of_audit_entries(tmp_path, clock):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED
    first = (job.output_name, job.output_sha256, job.mark_id, job.finished_at)
    before = entries_now()

    assert render_job_execute(job.pk) is None  # the broker delivers the same task again
    render_job_run.apply(args=[str(job.pk)])  # and once more through Celery itself

    job.refresh_from_db()
    assert (job.output_name, job.output_sha256, job.mark_id, job.finished_at) == first
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 1)
    assert entries_now() == before, "a second delivery wrote to the audit trail"
    assert job_actions(job) == ["render_job.submitted", "render_job.started", "render_job.completed"]
    assert stored_outputs() == [job.output_name]
    assert License.objects.get(pk=story.license.pk).renders_used == 1


def test_a_job_whose_worker_died_is_taken_over_once_its_lease_runs_out(tmp_path, settings, clock, monkeypatch):
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    claim = _claim(job.pk)  # a worker takes the job and reserves a use... and dies
    assert isinstance(claim, _Claim) and claim.first_attempt
    job.refresh_from_db()
    assert (job.status, job.attempts, job.use_reserved) == (JobStatus.RUNNING, 1, True)
    assert License.objects.get(pk=story.license.pk).renders_used == 1

    clock.advance(seconds=settings.RENDER_LEASE_SECONDS + 1)
    assert render_job_execute(job.pk) is None  # the redelivered task finds the lease expired

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
    assert (job.attempts, job.faces_replaced) == (2, 1)
    assert job_actions(job) == [
        "render_job.submitted",
        "render_job.started",
        "render_job.resumed",
        "render_job.completed",
    ]
    assert job_entries(job, AuditAction.RENDER_JOB_RESUMED)[0].data == {"attempt": 2}
    license = License.objects.get(pk=story.license.pk)
    assert license.renders_used == 1, "taking over must not reserve a second use"
    assert AuditEntry.objects.filter(action=AuditAction.LICENSE_USE_RESERVED, target_id=str(license.pk)).count() == 1
    assert stored_outputs() == [job.output_name]

    render_job_execute(job.pk)  # and the dead worker's own delivery, if it ever comes back, does nothing
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)


def test_a_job_another_worker_holds_is_left_alone_and_looked_at_again_when_the_lease_ends(
    tmp_path, settings, clock, monkeypatch
):
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    assert isinstance(_claim(job.pk), _Claim)  # another worker holds it, lease fresh
    job.refresh_from_db()
    held = (job.status, job.attempts, job.lease_until, job.started_at)
    before = entries_now()

    clock.advance(seconds=30)
    wait = render_job_execute(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_until, job.started_at) == held
    assert entries_now() == before
    assert stored_files("outputs") == []
    assert License.objects.get(pk=story.license.pk).renders_used == 1
    # The caller learns when the holder's lease runs out, so that a dead holder is not waited on forever.
    assert wait == pytest.approx(settings.RENDER_LEASE_SECONDS - 30)
    # Through Celery (a real worker, not an inline run) that means: retry once the lease has run out.
    with pytest.raises(Retry):
        render_job_run(str(job.pk))


def test_a_job_cancelled_while_queued_never_runs(tmp_path, clock, monkeypatch):
    story = make_render_story(tmp_path, enrol=False)
    job = submit_queued(story, monkeypatch)

    response = story.studio.client().post(f"/api/v1/render-jobs/{job.pk}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"

    materials = AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED)
    assert render_job_execute(job.pk) is None  # the broker delivers it after all
    job.refresh_from_db()
    assert (job.status, job.attempts, job.started_at, job.output_name) == (JobStatus.CANCELLED, 0, None, "")
    assert job_actions(job) == ["render_job.submitted", "render_job.cancelled"]
    assert job_entries(job, AuditAction.RENDER_JOB_CANCELLED)[0].actor_id == story.studio.user.pk
    assert not materials.exists()
    assert stored_outputs() == []
    assert License.objects.get(pk=story.license.pk).renders_used == 0


def test_cancelling_a_finished_job_is_refused_as_job_finished(tmp_path, clock):
    story = make_render_story(tmp_path)
    job_id = story.submit().json()["id"]
    assert RenderJob.objects.get(pk=job_id).status == JobStatus.COMPLETED

    response = story.studio.client().post(f"/api/v1/render-jobs/{job_id}/cancel")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_finished"
    assert RenderJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert "render_job.cancelled" not in job_actions(job_id)


def test_a_task_for_a_job_that_does_not_exist_does_nothing(monkeypatch):
    called = []
    monkeypatch.setattr(execution, "_gate", lambda *args, **kwargs: called.append(1))
    assert render_job_execute(uuid.uuid4()) is None
    assert called == [] and RenderJob.objects.count() == 0


def test_the_rival_cannot_cancel_studios_job(tmp_path, clock, monkeypatch):
    from tests.factories import make_studio

    story = make_render_story(tmp_path, enrol=False)
    job = submit_queued(story, monkeypatch)
    response = make_studio("rival").client().post(f"/api/v1/render-jobs/{job.pk}/cancel")
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    clock.advance(timedelta(seconds=1))


def test_a_job_taken_over_after_the_licence_was_revoked_ends_revoked_without_decrypting_ada(
    tmp_path, settings, clock, monkeypatch
):
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    assert isinstance(_claim(job.pk), _Claim)  # a worker takes the job... and dies
    license_revoke(license=story.license, reason="I no longer agree", actor=story.actor.user)
    clock.advance(seconds=settings.RENDER_LEASE_SECONDS + 1)

    assert render_job_execute(job.pk) is None  # the redelivered task takes the job over

    job.refresh_from_db()
    assert (job.status, job.refusal_reason) == (JobStatus.REVOKED, "license_revoked")
    assert job.attempts == 1 and job.lease_until is None and job.output_name == ""
    assert job_actions(job) == ["render_job.submitted", "render_job.started", "render_job.revoked"]
    assert job_entries(job, AuditAction.RENDER_JOB_REVOKED)[0].data == {"code": "license_revoked"}
    assert not AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED).exists(), (
        "Ada's identity was decrypted for a licence she had revoked"
    )
    assert stored_outputs() == []
