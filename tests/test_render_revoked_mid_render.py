"""Ada revokes her licence while Studio's video renders: the output is discarded, the job ends REVOKED.

Personas: Ada (the actor) signed a licence for Studio to put her face into Rights' film; Studio
submits the two-second clip. The revocation is made deterministically from inside the render: the
provenance stage of frame N (which every frame passes through) calls licensing's license_revoke as
Ada. The worker re-checks the licence every RENDER_RECHECK_FRAMES frames and once more before it
releases the output; either check must discard the work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.actions import AuditAction
from audit.models import AuditEntry
from licensing.lifecycle import license_revoke
from licensing.models import License, LicenseStatus
from licensing.works import WorkFileSpec, work_file_add
from render import execution, provenance
from render.models import JobStatus, RenderJob
from tests.render_checks import job_actions, job_entries, stored_files, stored_outputs
from tests.render_story import RenderStory, hopper_clip, make_render_story

pytestmark = pytest.mark.django_db

REVOKE_AT_FRAME = 3


def revoke(story: RenderStory) -> None:
    license_revoke(license=story.license, reason="I changed my mind", actor=story.actor.user)


def revoke_when_done(monkeypatch: pytest.MonkeyPatch, story: RenderStory, done_at: int) -> None:
    """Revoke the licence from the worker's own thread when `done_at` frames are reported done (the
    frame stages run in threads of their own since the render overlaps decode, faces and encode)."""
    original = execution._heartbeat

    def heartbeat(job: RenderJob, *, done: int, total: int, recheck: bool) -> None:
        if done == done_at:
            revoke(story)
        original(job, done=done, total=total, recheck=recheck)

    monkeypatch.setattr(execution, "_heartbeat", heartbeat)


def revoke_at_frame(monkeypatch: pytest.MonkeyPatch, story: RenderStory, frame: int) -> list[int]:
    """Make the provenance stage revoke the licence when it marks `frame`; returns the frames marked."""
    marked: list[int] = []
    original = provenance.frame_marker

    def frame_marker(job: Any) -> Callable[..., Any]:
        mark = original(job)

        def revoking_mark(image: Any, frame_index: int, faces: Any) -> Any:
            marked.append(frame_index)
            if frame_index == frame:
                revoke(story)
            return mark(image, frame_index, faces)

        return revoking_mark

    monkeypatch.setattr(provenance, "frame_marker", frame_marker)
    return marked


def short_clip(story: RenderStory, tmp_path: Path, frames: int = 8) -> SimpleUploadedFile:
    """A shorter clip of the same film, registered to it by Rights (for renders that run to the end)."""
    data = hopper_clip(tmp_path / "short.mp4", frames=frames, audio=False)
    file = WorkFileSpec(sha256=hashlib.sha256(data).hexdigest(), media_type="video", name="short.mp4")
    work_file_add(work=story.work, file=file, actor=story.rights_holder.user)
    return SimpleUploadedFile("short.mp4", data, content_type="video/mp4")


def submit_video(story: RenderStory, clip: SimpleUploadedFile | None = None) -> RenderJob:
    response = story.submit(kind="video", **({"file": clip} if clip is not None else {}))
    assert response.status_code == 201, response.content
    return RenderJob.objects.get(pk=response.json()["id"])


def assert_revoked_and_discarded(job: RenderJob, story: RenderStory) -> None:
    assert job.status == JobStatus.REVOKED, (job.status, job.error_code, job.error_message)
    assert job.refusal_reason == "license_revoked"
    assert job.output_name == "" and job.output_sha256 == "" and job.output_size is None
    assert stored_outputs() == [], "the revoked render's output must not remain in storage"
    assert stored_files(f"outputs/{job.pk}") == []
    assert job_actions(job) == [
        AuditAction.RENDER_JOB_SUBMITTED,
        AuditAction.RENDER_JOB_STARTED,
        AuditAction.RENDER_JOB_REVOKED,
    ]
    assert job_entries(job, AuditAction.RENDER_JOB_REVOKED)[0].data == {"code": "license_revoked"}
    license = License.objects.get(pk=story.license.pk)
    assert license.status == LicenseStatus.REVOKED
    revoked = AuditEntry.objects.get(action=AuditAction.LICENSE_REVOKED, target_id=str(story.license.pk))
    assert revoked.actor_id == story.actor.user.pk
    # The licence was revoked before the job ended, in the chain's order.
    assert revoked.seq < job_entries(job, AuditAction.RENDER_JOB_REVOKED)[0].seq
    body = story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/").json()
    assert (body["status"], body["refusal_reason"]) == ("revoked", "license_revoked")
    assert body["refusal_explanation"] == "The licence was revoked"
    assert story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/download").json()["error"]["code"] == "no_output"


def test_a_revocation_at_frame_three_stops_the_render_at_the_next_recheck(tmp_path, settings, clock, monkeypatch):
    settings.RENDER_RECHECK_FRAMES = 2
    story = make_render_story(tmp_path)
    revoke_when_done(monkeypatch, story, REVOKE_AT_FRAME)
    job = submit_video(story)
    assert_revoked_and_discarded(job, story)
    # Revoked with 3 frames done; the next re-check (4 done, a multiple of 2) sees it and stops.
    assert job.frames_done == 4 and job.frames_total == 24


def test_a_revocation_after_the_last_periodic_recheck_is_caught_before_release(tmp_path, settings, clock, monkeypatch):
    settings.RENDER_RECHECK_FRAMES = 3  # re-checks after frames 3 and 6 of 8
    story = make_render_story(tmp_path)
    clip = short_clip(story, tmp_path)
    revoke_when_done(monkeypatch, story, 7)
    job = submit_video(story, clip)
    assert job.frames_done == 8, "the render ran to its end"
    assert_revoked_and_discarded(job, story)


def test_a_revocation_after_the_last_frame_is_caught_before_release(tmp_path, clock, monkeypatch):
    story = make_render_story(tmp_path)
    clip = short_clip(story, tmp_path)
    original = execution._release

    def release_after_revocation(job: RenderJob, output: Any) -> None:
        revoke(story)  # every frame is done and the file is signed; nothing is stored yet
        original(job, output)

    monkeypatch.setattr(execution, "_release", release_after_revocation)
    job = submit_video(story, clip)
    assert job.frames_done == 8
    assert_revoked_and_discarded(job, story)


def test_a_revocation_between_the_release_check_and_the_commit_deletes_the_stored_output(tmp_path, clock, monkeypatch):
    """The output is already written to storage when the licence falls: it is deleted, not released."""
    story = make_render_story(tmp_path)
    clip = short_clip(story, tmp_path)
    original_gate, original_release = execution._gate, execution._release
    releasing = {"checks": 0}
    stored_when_revoked: list[list[str]] = []

    def gate(job: RenderJob, *, reserve: bool) -> Any:
        verdict = original_gate(job, reserve=reserve)
        if releasing["checks"] and not reserve:
            releasing["checks"] += 1
            if releasing["checks"] == 2:  # the release's first check has just passed
                original_save = FileSystemStorage.save

                def save_then_revoke(storage: Any, name: str, content: Any, **kwargs: Any) -> str:
                    stored = original_save(storage, name, content, **kwargs)
                    if name.startswith("outputs/"):
                        stored_when_revoked.append(stored_outputs())
                        revoke(story)
                    return stored

                monkeypatch.setattr(FileSystemStorage, "save", save_then_revoke)
        return verdict

    def release(job: RenderJob, output: Any) -> None:
        releasing["checks"] = 1
        original_release(job, output)

    monkeypatch.setattr(execution, "_gate", gate)
    monkeypatch.setattr(execution, "_release", release)
    job = submit_video(story, clip)
    assert len(stored_when_revoked) == 1 and len(stored_when_revoked[0]) == 1, "the output had been stored"
    assert_revoked_and_discarded(job, story)


def test_a_still_is_discarded_when_the_licence_is_revoked_while_its_frame_renders(tmp_path, clock, monkeypatch):
    story = make_render_story(tmp_path)
    revoke_at_frame(monkeypatch, story, 0)
    response = story.submit()
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert_revoked_and_discarded(job, story)


def test_a_render_that_took_the_last_use_still_stops_when_the_licence_term_ends(settings, monkeypatch, tmp_path, clock):
    # max_renders=1: this job takes the last use, so the licence reads EXHAUSTED while it renders.
    # The term then ends mid-render; the re-check must report the expiry, not accept "exhausted".
    from datetime import timedelta

    settings.RENDER_RECHECK_FRAMES = 2
    story = make_render_story(tmp_path, max_renders=1)
    original = provenance.frame_marker

    def frame_marker(job: Any) -> Callable[..., Any]:
        mark = original(job)

        def expiring_mark(image: Any, frame_index: int, faces: Any) -> Any:
            if frame_index == REVOKE_AT_FRAME:
                clock.advance(timedelta(days=31))
            return mark(image, frame_index, faces)

        return expiring_mark

    monkeypatch.setattr(provenance, "frame_marker", frame_marker)
    job = submit_video(story)
    job.refresh_from_db()
    assert License.objects.get(pk=story.license.pk).status == LicenseStatus.EXHAUSTED
    assert job.status == JobStatus.REVOKED
    assert job.refusal_reason == "license_expired"
    assert stored_outputs() == []
