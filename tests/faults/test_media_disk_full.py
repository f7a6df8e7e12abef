"""The media directory's filesystem fills up (a tmpfs with a quota) while a clip renders, and is
freed again.

Personas: Ada licensed her likeness to Studio; Studio renders a long clip of Rights' film and submits
a still while the disk is full. The submission is refused with 507 `storage_full` and leaves neither
a job nor a partial upload; the clip's output cannot be written, so the attempt's partial file is
deleted and the job goes back to the queue; once space is freed it completes once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from render.models import JobStatus
from tests.conftest import IN_CI
from tests.faults.services import MediaQuota
from tests.faults.stage import assert_nothing_lost, build_stage
from tests.render_checks import job_actions

pytestmark = pytest.mark.faults


@pytest.fixture
def media_quota(isolated_media: Path) -> Iterator[MediaQuota]:
    if os.geteuid() != 0:
        message = "mounting a size-limited tmpfs needs root"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    quota = MediaQuota(isolated_media, size_mb=24)
    quota.mount()
    try:
        yield quota
    finally:
        quota.unmount()


def test_a_full_media_disk_refuses_uploads_requeues_the_render_and_loses_nothing(
    postgres_cluster, redis_server, media_quota, tmp_path
):
    stage, fleet = build_stage(tmp_path, storage={"MEDIA_ROOT": str(media_quota.path)}, redis=redis_server)
    with fleet:
        clip = str(stage.submit(clip=True).body["id"])
        stage.wait_running(clip, frames=3)

        filler = media_quota.fill(leave_bytes=4096)
        refused = stage.submit(expect=507)
        assert refused.body["error"]["code"] == "storage_full"
        stage.wait("the clip to be sent back to the queue", lambda: "render_job.requeued" in job_actions(clip))
        filler.unlink()

        jobs = stage.wait_all_final(timeout=240)

        job = jobs[clip]
        assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
        requeued = [a for a in job_actions(clip) if a == "render_job.requeued"]
        assert requeued, "the attempt that met the full disk was not delivered"
        assert len(jobs) == 1, "the refused submission left no job"
        assert_nothing_lost(stage, jobs)
