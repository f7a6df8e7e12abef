"""Redis, the broker, is restarted with renders queued and running, and the render worker is
killed at the same moment: every queued message and the running job's unacknowledged message are
gone (Redis keeps nothing on disk), and one job is submitted while Redis is down.

Personas: Ada licensed her likeness to Studio; Studio renders a long clip and stills of Rights' film.
Afterwards every job has completed exactly once: the reaper sent the lost and never-sent messages
again and took over the dead worker's clip once its lease ran out.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from render.models import JobStatus
from tests.faults.stage import assert_nothing_lost, build_stage
from tests.render_checks import job_actions

pytestmark = pytest.mark.faults


def test_a_broker_restart_and_a_killed_worker_lose_no_render(postgres_cluster, redis_server, isolated_media, tmp_path):
    stage, fleet = build_stage(tmp_path, storage={"MEDIA_ROOT": str(isolated_media)}, redis=redis_server)
    with fleet:
        clip = str(stage.submit(clip=True).body["id"])
        stills = [str(stage.submit().body["id"]) for _ in range(4)]
        stage.wait_running(clip, frames=3)

        fleet.kill("worker1")  # mid-render: no cleanup, no acknowledgement
        redis_server.stop()  # every queued and unacknowledged message is gone with it
        during = str(stage.submit().body["id"])  # the job is stored; its message cannot be sent
        redis_server.start()
        fleet.worker("worker2")

        jobs = stage.wait_all_final(timeout=240)

        assert {job.status for job in jobs.values()} == {JobStatus.COMPLETED}, {
            k: (j.status, j.error_code) for k, j in jobs.items()
        }
        assert jobs[clip].attempts == 2
        assert job_actions(clip) == [
            "render_job.submitted",
            "render_job.started",
            "render_job.requeued",
            "render_job.resumed",
            "render_job.completed",
        ]
        assert jobs[clip].frames_done == jobs[clip].frames_total
        for job_id in [*stills, during]:
            assert jobs[job_id].attempts == 1, "a lost message is sent again, the job is rendered once"
        (requeued,) = AuditEntry.objects.filter(target_id=clip, action="render_job.requeued")
        assert requeued.data["code"] == "worker_lost" and requeued.actor_label == "render-worker"
        assert_nothing_lost(stage, jobs)
