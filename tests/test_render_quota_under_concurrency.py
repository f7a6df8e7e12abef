"""Four workers race for a licence with two renders left: exactly two render, two are refused.

Personas: Ada licensed her likeness to Studio for at most 2 renders; Studio submits 4 jobs at once.
The jobs are stored QUEUED without a worker seeing them, then four threads (each with its own
database connection, committing for real) run the worker's whole run at the same moment. The gate
reserves a use under a row lock, so the quota can never be overrun, whichever backend this runs on.
"""

from __future__ import annotations

import threading

from django.db import connections

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from licensing.models import License, LicenseStatus
from render.execution import render_job_execute
from render.models import JobStatus, RenderJob
from tests.render_checks import job_actions, stored_outputs, submit_queued
from tests.render_story import make_render_story

WORKERS = 4


def run_at_once(job_ids: list[str]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(job_ids))

    def work(job_id: str) -> None:
        try:
            barrier.wait(timeout=30)
            render_job_execute(job_id)
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job_id,)) for job_id in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return errors


def test_four_concurrent_jobs_on_a_licence_with_two_renders_left_complete_exactly_two(
    committed_db, tmp_path, monkeypatch
):
    story = make_render_story(tmp_path, max_renders=2)
    jobs = [submit_queued(story, monkeypatch) for _ in range(WORKERS)]

    assert run_at_once([str(job.pk) for job in jobs]) == []

    finished = list(RenderJob.objects.filter(pk__in=[job.pk for job in jobs]))
    outcomes = sorted((job.status, job.refusal_reason) for job in finished)
    assert outcomes == [
        (JobStatus.COMPLETED, ""),
        (JobStatus.COMPLETED, ""),
        (JobStatus.REFUSED, "license_exhausted"),
        (JobStatus.REFUSED, "license_exhausted"),
    ], [(job.status, job.refusal_reason, job.error_code, job.error_message) for job in finished]
    license = License.objects.get(pk=story.license.pk)
    assert (license.renders_used, license.status) == (2, LicenseStatus.EXHAUSTED)
    completed = [job for job in finished if job.status == JobStatus.COMPLETED]
    refused = [job for job in finished if job.status == JobStatus.REFUSED]
    assert all(job.use_reserved and job.output_name for job in completed)
    assert not any(job.use_reserved or job.output_name for job in refused)
    assert sorted(stored_outputs()) == sorted(job.output_name for job in completed)
    for job in completed:
        assert job_actions(job) == ["render_job.submitted", "render_job.started", "render_job.completed"]
    for job in refused:
        assert job_actions(job) == ["render_job.submitted", "render_job.refused"]
    reserved = AuditEntry.objects.filter(action=AuditAction.LICENSE_USE_RESERVED, target_id=str(license.pk))
    assert sorted(entry.data["use"] for entry in reserved) == [1, 2]
    assert AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED).count() == 2
    report = audit_chain_verify()
    assert report.ok, report.as_dict()
