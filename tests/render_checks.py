"""Small checks the render tests share: what storage holds, what the audit trail says about a job,
and submitting a job that stays QUEUED (no worker runs it) so a test can run the worker itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from audit.models import AuditEntry
from render.models import RenderJob


def stored_files(prefix: str) -> list[str]:
    """Every file the default storage holds under `prefix` (recursively); [] if there is none."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    found = [f"{prefix}/{name}" for name in files]
    for folder in folders:
        found += stored_files(f"{prefix}/{folder}")
    return sorted(found)


def stored_outputs() -> list[str]:
    return stored_files("outputs")


def job_actions(job: RenderJob | str) -> list[str]:
    """The audit actions recorded against a job, in chain order."""
    job_id = str(job.pk if isinstance(job, RenderJob) else job)
    return list(
        AuditEntry.objects.filter(target_type="render.renderjob", target_id=job_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def job_entries(job: RenderJob, action: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(target_type="render.renderjob", target_id=str(job.pk), action=action).order_by("seq")
    )


def submit_queued(story: Any, monkeypatch: pytest.MonkeyPatch, *, client: Any = None, **fields: Any) -> RenderJob:
    """Submit through the API with the enqueue switched off: the job is stored QUEUED, and no worker
    has seen it (as if the broker had not delivered it yet)."""
    with monkeypatch.context() as patch:
        patch.setattr("render.submission.enqueue_job", lambda job_id: None)
        response = story.submit(client, **fields)
    assert response.status_code == 201, response.content
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert job.status == "queued"
    return job
