"""When Ada erases her likeness, every render job not yet finished under her licences is refused.

Personas: Ada licensed her likeness to Studio for Rights' film; Bea, another actor, licensed hers
for the same film. Studio has jobs queued under both licences, one running, one finished. Ada
erases her likeness: the render app's erasure hook refuses her queued and running jobs (reason
likeness_erased) inside the erasure's transaction, so no worker ever decrypts her identity for
them; a running render stops at its next frame and stores nothing. Bea's jobs and finished jobs
are left as they are.
"""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from licensing.lifecycle import license_approve, license_request
from licensing.models import License
from likeness.erasure import erasure_hooks
from likeness.services import likeness_erase
from render import execution
from render.erasure import refuse_jobs_on_erasure
from render.execution import render_job_execute
from render.models import JobStatus, RenderJob
from tests.factories import license_terms, make_licensable_actor
from tests.render_checks import job_actions, job_entries, stored_outputs, submit_queued
from tests.render_story import RenderStory, make_render_story

pytestmark = pytest.mark.django_db


def beas_licence(story: RenderStory) -> License:
    bea = make_licensable_actor("bea")
    license = license_request(
        studio=story.studio.organisation,
        likeness_id=bea.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    return license_approve(license=license, actor=bea.user)


def assert_refused_for_erasure(job: RenderJob, story: RenderStory, *, previous: str) -> None:
    job.refresh_from_db()
    assert (job.status, job.refusal_reason) == (JobStatus.REFUSED, "likeness_erased")
    assert job.lease_until is None and job.finished_at is not None and job.output_name == ""
    (refused,) = job_entries(job, AuditAction.RENDER_JOB_REFUSED)
    assert refused.actor_id == story.actor.user.pk, "the erasure is Ada's act"
    assert refused.data == {
        "reason": "likeness_erased",
        "license_id": str(story.license.pk),
        "previous_status": previous,
    }
    erased = AuditEntry.objects.get(action=AuditAction.LIKENESS_ERASED, target_id=str(story.actor.likeness.pk))
    assert refused.seq < erased.seq, "refused inside the erasure, before it was recorded"
    body = story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/").json()
    assert (body["status"], body["refusal_reason"]) == ("refused", "likeness_erased")
    assert body["refusal_explanation"] == "The likeness was erased"


def test_the_render_app_registers_its_erasure_hook():
    assert refuse_jobs_on_erasure in erasure_hooks()


def test_queued_jobs_under_adas_licence_are_refused_and_never_run(tmp_path, clock, monkeypatch):
    story = make_render_story(tmp_path, enrol=False)
    adas = [submit_queued(story, monkeypatch), submit_queued(story, monkeypatch, kind="video")]
    bea = beas_licence(story)
    beas = submit_queued(story, monkeypatch, license_id=str(bea.pk))

    likeness_erase(likeness=story.actor.likeness, actor=story.actor.user)

    for job in adas:
        assert_refused_for_erasure(job, story, previous="queued")
        assert render_job_execute(job.pk) is None  # the broker delivers it anyway
        job.refresh_from_db()
        assert job.status == JobStatus.REFUSED and job.attempts == 0
        assert job_actions(job) == ["render_job.submitted", "render_job.refused"]
    beas.refresh_from_db()
    assert (beas.status, beas.refusal_reason) == (JobStatus.QUEUED, "")
    assert job_actions(beas) == ["render_job.submitted"]
    assert not AuditEntry.objects.filter(action=AuditAction.LIKENESS_MATERIALS_RELEASED).exists()
    assert License.objects.get(pk=story.license.pk).renders_used == 0
    assert stored_outputs() == []


def erase_when_done(monkeypatch: pytest.MonkeyPatch, story: RenderStory, done_at: int) -> None:
    """Ada erases her likeness when the worker reports `done_at` frames done, from the worker's own
    thread (the frame stages run in threads of their own since the render overlaps its stages)."""
    original = execution._heartbeat

    def heartbeat(job: RenderJob, *, done: int, total: int, recheck: bool) -> None:
        if done == done_at:
            likeness_erase(likeness=story.actor.likeness, actor=story.actor.user)
        original(job, done=done, total=total, recheck=recheck)

    monkeypatch.setattr(execution, "_heartbeat", heartbeat)


def test_a_running_render_is_refused_stops_at_the_next_frame_and_stores_nothing(tmp_path, clock, monkeypatch):
    story = make_render_story(tmp_path)
    finished = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert finished.status == JobStatus.COMPLETED
    erase_when_done(monkeypatch, story, 3)

    running = RenderJob.objects.get(pk=story.submit(kind="video").json()["id"])

    assert_refused_for_erasure(running, story, previous="running")
    running.refresh_from_db()
    assert running.frames_done <= 3, "the worker stopped at the heartbeat after the erasure"
    assert job_actions(running) == ["render_job.submitted", "render_job.started", "render_job.refused"]
    assert stored_outputs() == [finished.output_name], "only the job finished before the erasure has output"
    finished.refresh_from_db()
    assert (finished.status, finished.refusal_reason) == (JobStatus.COMPLETED, "")
    assert job_actions(finished) == ["render_job.submitted", "render_job.started", "render_job.completed"]
