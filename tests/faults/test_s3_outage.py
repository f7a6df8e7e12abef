"""The S3 server (SeaweedFS) goes away while a clip renders and comes back a few seconds later.

Personas: Ada licensed her likeness to Studio; Studio renders a long clip of Rights' film and submits
a still during the outage. The submission is refused with 503 `storage_unavailable` and leaves no
job; the clip's attempts that cannot read or store media go back to the queue with backoff, and once
the bucket answers again the clip completes once, with exactly one output object in the bucket.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render.models import JobStatus
from tests import s3server
from tests.conftest import use_s3_bucket
from tests.faults.stage import assert_nothing_lost, build_stage
from tests.render_checks import job_actions

pytestmark = pytest.mark.faults


@pytest.fixture
def private_s3(tmp_path: Path, settings: Any) -> Iterator[s3server.S3Server]:
    """A SeaweedFS of this test's own (the session's shared one must not be stopped)."""
    server = s3server.start(tmp_path / "seaweedfs")
    use_s3_bucket(settings, server, "faults")
    try:
        yield server
    finally:
        s3server.stop(server)


def test_an_s3_outage_mid_render_loses_nothing_and_refuses_uploads_meanwhile(
    postgres_cluster, redis_server, private_s3, tmp_path
):
    storage = {
        "S3_BUCKET": "faults",
        "S3_ENDPOINT_URL": private_s3.endpoint_url,
        "AWS_ACCESS_KEY_ID": private_s3.access_key,
        "AWS_SECRET_ACCESS_KEY": private_s3.secret_key,
        "S3_ADDRESSING_STYLE": "path",
    }
    stage, fleet = build_stage(tmp_path, storage=storage, redis=redis_server)
    with fleet:
        clip = str(stage.submit(clip=True).body["id"])
        stage.wait_running(clip, frames=3)

        s3server.stop(private_s3)
        try:
            refused = stage.submit(expect=503)
            time.sleep(4)  # the clip finishes rendering and cannot store its output; retries meet the outage
        finally:
            s3server.restart(private_s3)

        assert refused.body["error"]["code"] == "storage_unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        jobs = stage.wait_all_final(timeout=240)

        job = jobs[clip]
        assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
        actions = job_actions(clip)
        assert "render_job.requeued" in actions and actions[-1] == "render_job.completed", actions
        assert len(jobs) == 1, "the refused submission left no job"
        assert_nothing_lost(stage, jobs)
