"""No render waits for ever: the reaper takes over jobs whose worker died, sends again the jobs
whose broker message never left or was lost, and gives up (with a code) after the last attempt.

Personas: Ada licensed her likeness to Studio; Studio submits stills of Rights' film. Workers die
(their lease runs out with nobody to take the job over), the broker is down at submission, or a
broker restart loses the queued message. The reaper runs on a clock the test moves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from licensing.models import License
from render.execution import _Claim, _claim
from render.models import JobStatus, RenderJob
from render.reaper import render_jobs_reap
from tests.render_checks import job_actions, job_entries, stored_outputs, submit_queued
from tests.render_story import RenderStory, make_render_story

pytestmark = pytest.mark.django_db


def die_holding(job: RenderJob) -> RenderJob:
    """A worker claims the job (reserving a use) and dies: no heartbeat, no release, no ack."""
    assert isinstance(_claim(job.pk), _Claim)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    return job


def past_the_lease(settings: Any, clock: Any) -> None:
    clock.advance(seconds=settings.RENDER_LEASE_SECONDS + settings.RENDER_REAP_GRACE_SECONDS + 1)


def uses(story: RenderStory) -> int:
    return License.objects.get(pk=story.license.pk).renders_used


def test_a_job_whose_worker_died_is_requeued_by_the_reaper_and_completes_once(tmp_path, settings, clock, monkeypatch):
    story = make_render_story(tmp_path)
    job = die_holding(submit_queued(story, monkeypatch))

    with monkeypatch.context() as patch:
        sent: list[str] = []
        patch.setattr("render.tasks.render_job_run.apply_async", lambda args, countdown=None: sent.append(args[0]))
        past_the_lease(settings, clock)
        report = render_jobs_reap()

    assert report.requeued == [str(job.pk)] and report.failed == []
    assert sent == [str(job.pk)], "the reaper sends the job's task again"
    job.refresh_from_db()
    assert (job.status, job.lease_until, job.use_reserved) == (JobStatus.QUEUED, None, True)
    (requeued,) = job_entries(job, "render_job.requeued")
    assert requeued.data == {"code": "worker_lost", "attempt": 1, "previous_status": "running"}

    render_jobs_reap()  # the task is in the broker now: nothing more to do until it is run
    assert job_actions(job).count("render_job.requeued") == 1

    from render.tasks import render_job_run

    render_job_run.apply(args=[str(job.pk)])  # a worker runs the task the reaper sent
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2), (job.error_code, job.error_message)
    assert job_actions(job) == [
        "render_job.submitted",
        "render_job.started",
        "render_job.requeued",
        "render_job.resumed",
        "render_job.completed",
    ]
    assert uses(story) == 1, "the requeued job kept its reserved use; it reserved no second one"
    assert stored_outputs() == [job.output_name]


def test_a_live_workers_job_is_left_alone(tmp_path, settings, clock, monkeypatch):
    story = make_render_story(tmp_path)
    job = die_holding(submit_queued(story, monkeypatch))
    clock.advance(seconds=settings.RENDER_LEASE_SECONDS - 1)  # the worker is alive: its lease stands

    report = render_jobs_reap()

    job.refresh_from_db()
    assert (report.requeued, report.failed, job.status) == ([], [], JobStatus.RUNNING)
    clock.advance(seconds=settings.RENDER_REAP_GRACE_SECONDS)  # expired, but within the grace period
    assert render_jobs_reap().requeued == []


def test_after_the_last_attempt_a_job_that_keeps_losing_its_worker_fails_with_worker_lost(
    tmp_path, settings, clock, monkeypatch
):
    settings.RENDER_MAX_ATTEMPTS = 2
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    monkeypatch.setattr("render.tasks.render_job_run.apply_async", lambda args, countdown=None: None)
    for _attempt in range(2):
        die_holding(job)
        past_the_lease(settings, clock)
        report = render_jobs_reap()

    job.refresh_from_db()
    assert report.failed == [str(job.pk)] and report.requeued == []
    assert (job.status, job.error_code, job.attempts) == (JobStatus.FAILED, "worker_lost", 2)
    assert (job.use_reserved, job.lease_until, job.output_name) == (False, None, "")
    assert uses(story) == 0, "nothing was delivered, so the studio has its use back"
    assert job_actions(job)[-1] == "render_job.failed"
    assert _claim(job.pk) is None, "a late delivery of its task does nothing"


def test_a_dead_workers_task_redelivered_after_the_last_attempt_fails_the_job_too(
    tmp_path, settings, clock, monkeypatch
):
    settings.RENDER_MAX_ATTEMPTS = 1
    story = make_render_story(tmp_path)
    job = die_holding(submit_queued(story, monkeypatch))
    clock.advance(seconds=settings.RENDER_LEASE_SECONDS + 1)

    assert _claim(job.pk) is None  # the broker redelivers before the reaper looks
    job.refresh_from_db()
    assert (job.status, job.error_code, uses(story)) == (JobStatus.FAILED, "worker_lost", 0)


def test_a_job_submitted_while_the_broker_was_down_is_sent_by_the_reaper(tmp_path, settings, clock, monkeypatch):
    from kombu.exceptions import OperationalError

    story = make_render_story(tmp_path)

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("render.tasks.render_job_run.apply_async", broker_down)
    response = story.submit()
    assert response.status_code == 201, "the job is stored; the broker outage is the platform's problem"
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.dispatched_at) == (JobStatus.QUEUED, None)

    assert render_jobs_reap().dispatched == [], "not within the grace period"
    clock.advance(seconds=settings.RENDER_REAP_GRACE_SECONDS + 1)
    assert render_jobs_reap().dispatched == [], "the broker is still down: nothing is marked sent"
    job.refresh_from_db()
    assert job.dispatched_at is None

    monkeypatch.undo()  # the broker is back (inline tasks in this test)
    report = render_jobs_reap()
    assert report.dispatched == [str(job.pk)]
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
    assert job_actions(job) == ["render_job.submitted", "render_job.started", "render_job.completed"]


def test_a_queued_job_whose_message_was_lost_is_sent_again_after_the_redispatch_period(
    tmp_path, settings, clock, monkeypatch
):
    story = make_render_story(tmp_path)
    sent: list[str] = []
    monkeypatch.setattr("render.tasks.render_job_run.apply_async", lambda args, countdown=None: sent.append(args[0]))
    response = story.submit()  # sent to the broker... which restarts and forgets it
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert sent == [str(job.pk)] and job.dispatched_at == clock.now()

    clock.advance(seconds=settings.RENDER_REDISPATCH_SECONDS - 1)
    assert render_jobs_reap().dispatched == []
    clock.advance(seconds=2)
    assert render_jobs_reap().dispatched == [str(job.pk)]
    assert sent == [str(job.pk)] * 2
    job.refresh_from_db()
    assert job.dispatched_at == clock.now() and job.status == JobStatus.QUEUED
    assert job_actions(job) == ["render_job.submitted"], "sending a message again is not an event of the job"


def test_finished_and_cancelled_jobs_are_never_touched(tmp_path, settings, clock, monkeypatch):
    story = make_render_story(tmp_path)
    done = RenderJob.objects.get(pk=story.submit().json()["id"])
    cancelled = submit_queued(story, monkeypatch)
    assert story.studio.client().post(f"/api/v1/render-jobs/{cancelled.pk}/cancel").status_code == 200
    clock.advance(timedelta(days=2))

    report = render_jobs_reap()

    assert report.as_dict() == {"requeued": [], "failed": [], "dispatched": []}
    done.refresh_from_db()
    assert done.status == JobStatus.COMPLETED
