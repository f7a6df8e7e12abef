"""PostgreSQL is stopped for a few seconds while a clip renders, then started again: every open
connection of the web process, the worker and beat is cut.

Personas: Ada licensed her likeness to Studio; Studio renders a long clip of Rights' film and calls
the API during the outage. While the database is down the API answers 503 `database_unavailable`
(JSON, with Retry-After), never an HTML 500; afterwards the clip completes exactly once (its worker
lost the database mid-render, so the job went back to the queue or was taken over when its lease
ran out) and new submissions work again.
"""

from __future__ import annotations

import time

import pytest

from render.models import JobStatus
from tests.faults.stage import assert_nothing_lost, build_stage, reconnect
from tests.render_checks import job_actions
from tests.scale_out import call

pytestmark = pytest.mark.faults


def test_a_database_restart_mid_render_loses_nothing_and_the_api_says_503_meanwhile(
    postgres_cluster, redis_server, isolated_media, tmp_path
):
    stage, fleet = build_stage(tmp_path, storage={"MEDIA_ROOT": str(isolated_media)}, redis=redis_server)
    with fleet:
        clip = str(stage.submit(clip=True).body["id"])
        stage.wait_running(clip, frames=3)

        reconnect()
        postgres_cluster.stop()
        try:
            listing = call("GET", f"{stage.web}/api/v1/render-jobs/", token=stage.story.studio.token)
            submission = stage.submit(expect=503)
            time.sleep(3)  # the worker's next heartbeat meets the outage
        finally:
            postgres_cluster.start()
        reconnect()

        assert (listing.status, listing.body["error"]["code"]) == (503, "database_unavailable"), listing
        assert int(listing.headers["Retry-After"]) > 0
        assert submission.body["error"]["code"] == "database_unavailable"

        after = str(stage.submit().body["id"])  # the platform is back without a restart of its own
        jobs = stage.wait_all_final(timeout=240)

        assert {job.status for job in jobs.values()} == {JobStatus.COMPLETED}, {
            k: (j.status, j.error_code) for k, j in jobs.items()
        }
        actions = job_actions(clip)
        assert actions[:2] == ["render_job.submitted", "render_job.started"] and actions[-1] == "render_job.completed"
        assert jobs[clip].attempts >= 2, "the attempt that lost the database did not deliver"
        assert jobs[after].attempts == 1
        assert_nothing_lost(stage, jobs)
