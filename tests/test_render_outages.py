"""An outage is not a failure: a render interrupted by unreachable or full storage goes back to the
queue and completes once storage is back; a submission during the outage is refused with a code the
client can retry on, and nothing half-written is left anywhere.

Personas: Ada licensed her likeness to Studio; Studio submits stills of Rights' film while the
storage misbehaves. The failures are the real exceptions botocore and the kernel raise (the
fault-injection suite, `make test-faults`, does the same against a stopped SeaweedFS and a full
filesystem).
"""

from __future__ import annotations

import errno
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import FileSystemStorage

from licensing.models import License
from render.models import JobStatus, RenderJob
from render.tasks import render_job_run
from tests.render_checks import job_actions, job_entries, stored_files, stored_outputs, submit_queued
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


class FlakyStorage:
    """Makes default_storage.save fail for outputs the next `times` calls, then behave."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, failure: BaseException, *, times: int, prefix: str) -> None:
        self.failure, self.left, self.prefix = failure, times, prefix
        storage_class = FileSystemStorage  # the autouse isolated_media fixture's storage
        real_save = storage_class.save
        flaky = self

        def save(storage: Any, name: str, content: Any, max_length: int | None = None) -> str:
            if name.startswith(flaky.prefix) and flaky.left > 0:
                flaky.left -= 1
                stored = real_save(storage, name, content, max_length)  # a partial file lands first, as on a disk
                raise flaky.failure from RuntimeError(f"after writing {stored}")
            return real_save(storage, name, content, max_length)

        monkeypatch.setattr(storage_class, "save", save)


def unreachable() -> EndpointConnectionError:
    return EndpointConnectionError(endpoint_url="http://127.0.0.1:8333/bucket/outputs/x")


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    ("failure", "code"), [(unreachable(), "storage_unavailable"), (disk_full(), "storage_full")], ids=["s3", "disk"]
)
def test_a_render_whose_output_cannot_be_stored_is_requeued_and_completes_later(
    tmp_path, clock, monkeypatch, failure, code
):
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    FlakyStorage(monkeypatch, failure, times=1, prefix="outputs/")

    render_job_run.apply(args=[str(job.pk)])  # inline: the retry runs at once

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
    assert job.attempts == 2
    assert job_actions(job) == [
        "render_job.submitted",
        "render_job.started",
        "render_job.requeued",
        "render_job.resumed",
        "render_job.completed",
    ]
    assert job_entries(job, "render_job.requeued")[0].data["code"] == code
    assert stored_outputs() == [job.output_name], "the half-written output of the first attempt is gone"
    assert License.objects.get(pk=story.license.pk).renders_used == 1


def test_a_storage_outage_that_outlasts_every_attempt_fails_the_job_with_its_code(
    tmp_path, settings, clock, monkeypatch
):
    settings.RENDER_MAX_ATTEMPTS = 3
    story = make_render_story(tmp_path)
    job = submit_queued(story, monkeypatch)
    FlakyStorage(monkeypatch, unreachable(), times=10, prefix="outputs/")

    render_job_run.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert (job.status, job.error_code, job.attempts) == (JobStatus.FAILED, "storage_unavailable", 3)
    assert job_actions(job).count("render_job.requeued") == 2
    assert (job.output_name, job.use_reserved) == ("", False)
    assert stored_outputs() == []
    assert License.objects.get(pk=story.license.pk).renders_used == 0


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [(unreachable(), 503, "storage_unavailable"), (disk_full(), 507, "storage_full")],
    ids=["s3", "disk"],
)
def test_a_submission_during_a_storage_outage_is_refused_and_leaves_nothing(
    tmp_path, monkeypatch, failure, status, code
):
    story = make_render_story(tmp_path)
    FlakyStorage(monkeypatch, failure, times=1, prefix="uploads/")

    response = story.submit()

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert int(response["Retry-After"]) > 0
    assert RenderJob.objects.count() == 0
    assert stored_files("uploads") == [], "the partial upload is deleted"

    again = story.submit()  # storage is back: the same request now succeeds
    assert again.status_code == 201, again.content
    assert stored_files("uploads") == [RenderJob.objects.get().target_name]
