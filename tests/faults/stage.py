"""The stage every fault test plays on: the platform as separate processes (a gunicorn web process,
a Celery render worker, Celery beat running the reaper) on the private PostgreSQL cluster, a private
Redis and a storage of the test's choosing; Ada's licence to Studio; a still and a long clip to render.

`assert_nothing_lost` is the invariant every fault test ends with: every job reached a final state,
no output exists without its completed job and no completed job lacks its output, nothing is stored
twice or half-written, every job has one audit entry per step, quotas agree with reserved uses, and
the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection

from audit.selectors import audit_chain_verify
from licensing.models import License
from licensing.works import WorkFileSpec, work_file_add
from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from render.scale_out import Answer, Fleet, call, database_url_for, platform_env, submit_render
from tests.conftest import IN_CI
from tests.faults.services import PrivatePostgres, PrivateRedis, free_port
from tests.render_checks import job_actions, stored_files
from tests.render_story import RenderStory, hopper_clip, make_render_story

CLIP_FRAMES = 48
LEASE_SECONDS = 10  # RENDER_LEASE_SECONDS's minimum: a dead worker's job is reaped within ~12 s
FINAL_ACTIONS = {f"render_job.{status}" for status in TERMINAL_STATUSES}
ONCE_ACTIONS = {"render_job.submitted", "render_job.started", *FINAL_ACTIONS}


def private_postgres() -> PrivatePostgres:
    """The cluster scripts/test-faults.sh started for this run (a failure under CI, a skip elsewhere)."""
    server = PrivatePostgres.from_environment()
    if server is None or connection.vendor != "postgresql":
        message = "the fault suite runs through scripts/test-faults.sh (make test-faults)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return server


def reconnect() -> None:
    """After a database restart this process's own connection is dead: drop it; the next query opens one."""
    close_old_connections()
    connection.close()


@dataclass
class Stage:
    story: RenderStory
    fleet: Fleet
    web: str
    redis: PrivateRedis
    clip: bytes
    submitted: list[str] = field(default_factory=list)

    def submit(self, *, clip: bool = False, expect: int = 201) -> Answer:
        answer = submit_render(
            self.web,
            token=self.story.studio.token,
            fields={"license_id": str(self.story.license.pk), "purpose": "film", "territory": "FR"},
            file_name="long.mp4" if clip else "hopper.jpg",
            data=self.clip if clip else self.story.still,
            request_id=f"fault-{len(self.submitted)}",
        )
        assert answer.status == expect, (answer.status, answer.body)
        if answer.status == 201:
            self.submitted.append(str(answer.body["id"]))
        return answer

    def wait(self, what: str, predicate: Callable[[], bool], *, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except Exception:  # the database may be the thing that is down
                reconnect()
            self.fleet.check_alive()
            time.sleep(0.2)
        states = dict(RenderJob.objects.filter(pk__in=self.submitted).values_list("pk", "status"))
        logs = "\n".join(f"--- {name}\n{self.fleet.log(name)[-4000:]}" for name in self.fleet.processes)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; jobs: {states}\n{logs}")

    def wait_running(self, job_id: str, *, frames: int = 3) -> None:
        self.wait(
            f"job {job_id} to render {frames} frames",
            lambda: RenderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, frames_done__gte=frames).exists(),
        )

    def wait_all_final(self, *, timeout: float = 180) -> dict[str, RenderJob]:
        self.wait(
            "every job to reach a final state",
            lambda: (
                RenderJob.objects.filter(pk__in=self.submitted, status__in=TERMINAL_STATUSES).count()
                == len(self.submitted)
            ),
            timeout=timeout,
        )
        return {str(job.pk): job for job in RenderJob.objects.filter(pk__in=self.submitted)}


def build_stage(
    tmp_path: Path, *, storage: dict[str, str], redis: PrivateRedis, max_attempts: int = 6, **extra: str
) -> tuple[Stage, Fleet]:
    story = make_render_story(tmp_path, max_renders=100)
    clip = hopper_clip(tmp_path / "long.mp4", frames=CLIP_FRAMES, audio=False)
    work_file_add(
        work=story.work,
        file=WorkFileSpec(sha256=hashlib.sha256(clip).hexdigest(), media_type="video", name="long.mp4"),
        actor=story.rights_holder.user,
    )
    env = platform_env(
        database_url=database_url_for(connection.settings_dict["NAME"]),
        broker_url=redis.url,
        storage=storage,
        RENDER_LEASE_SECONDS=str(LEASE_SECONDS),
        RENDER_MAX_ATTEMPTS=str(max_attempts),
        RENDER_RETRY_BASE_SECONDS="1",
        RENDER_REAP_INTERVAL_SECONDS="1",
        RENDER_REAP_GRACE_SECONDS="1",
        RENDER_REDISPATCH_SECONDS="8",
        # Only the reaper matters here; the other periodic tasks stay out of the way.
        AUDIT_CHECKPOINT_INTERVAL_SECONDS="3600",
        LICENSE_EXPIRY_INTERVAL_SECONDS="3600",
        WEBHOOK_RETRY_BASE_SECONDS="3600",
        **extra,
    )
    fleet = Fleet(env=env, log_dir=tmp_path / "logs")
    fleet.__enter__()
    web = fleet.web("web", port=free_port(), threads=4)
    fleet.worker("worker1")
    fleet.beat()
    fleet.wait_ready(web, timeout=90)
    fleet.wait_workers(["worker1"], timeout=90)
    return Stage(story=story, fleet=fleet, web=web, redis=redis, clip=clip), fleet


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return bytes(handle.read())


def assert_nothing_lost(stage: Stage, jobs: dict[str, RenderJob]) -> None:
    """The invariants after a fault (see the module docstring). Returns nothing; fails loudly."""
    reconnect()
    assert set(jobs) == set(stage.submitted)
    all_jobs = {str(job.pk): job for job in RenderJob.objects.all()}
    assert set(all_jobs) == set(stage.submitted), "no job exists that the studio was not answered 201 for"

    outputs = stored_files("outputs")
    expected_outputs = sorted(job.output_name for job in all_jobs.values() if job.status == JobStatus.COMPLETED)
    assert outputs == expected_outputs, "an output without its completed job, or a completed job without output"
    for job in all_jobs.values():
        assert job.status in TERMINAL_STATUSES, (job.pk, job.status)
        assert job.lease_until is None, (job.pk, "a final job holds no lease")
        if job.status == JobStatus.COMPLETED:
            data = stored_bytes(job.output_name)
            assert hashlib.sha256(data).hexdigest() == job.output_sha256 and len(data) == job.output_size
            assert job.use_reserved
        else:
            assert job.output_name == "" and not job.use_reserved, (job.pk, job.status, job.error_code)
    assert len({job.output_sha256 for job in all_jobs.values() if job.output_sha256}) == len(expected_outputs)

    uploads = stored_files("uploads")
    targets = {job.target_name for job in all_jobs.values()}
    assert set(uploads) == targets, "every stored upload belongs to a job; no half-written upload is left"
    for job in all_jobs.values():
        assert hashlib.sha256(stored_bytes(job.target_name)).hexdigest() == job.target_sha256

    for job_id, job in all_jobs.items():
        actions = job_actions(job_id)
        assert actions[0] == "render_job.submitted", actions
        assert actions[-1] == f"render_job.{job.status}", actions
        repeated = {action: n for action, n in Counter(actions).items() if action in ONCE_ACTIONS and n > 1}
        assert not repeated, (job_id, actions)
        assert actions.count("render_job.resumed") == job.attempts - 1, (job_id, actions, job.attempts)

    licence = License.objects.get(pk=stage.story.license.pk)
    assert licence.renders_used == sum(job.use_reserved for job in all_jobs.values())

    for job_id, job in all_jobs.items():  # what users see through the API agrees
        answer = call("GET", f"{stage.web}/api/v1/render-jobs/{job_id}/", token=stage.story.studio.token)
        assert answer.status == 200 and answer.body["status"] == job.status, answer
        link = call("GET", f"{stage.web}/api/v1/render-jobs/{job_id}/download", token=stage.story.studio.token)
        if job.status != JobStatus.COMPLETED:
            assert (link.status, link.body["error"]["code"]) == (409, "no_output"), link
            continue
        assert link.status == 200, link
        with urllib.request.urlopen(link.body["url"], timeout=30) as response:
            assert hashlib.sha256(response.read()).hexdigest() == job.output_sha256

    report = audit_chain_verify()
    assert report.ok, report.as_dict()
