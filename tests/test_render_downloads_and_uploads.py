"""What goes in and what comes out: short-lived signed download links, and uploads refused at the door.

Personas: Ada licensed her likeness to Studio for Rights' film; Studio renders the still and
downloads the result (local storage: the platform signs the link itself). An outsider, Ada and a
careless or hostile uploader try things they should not.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Notification
from audit.actions import AuditAction
from audit.models import AuditEntry
from render.models import JobStatus, RenderJob
from tests.factories import make_persona
from tests.render_checks import job_entries, stored_files
from tests.render_story import RenderStory, make_render_story

pytestmark = pytest.mark.django_db


def completed_job(story: RenderStory) -> RenderJob:
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED, (job.refusal_reason, job.error_code, job.error_message)
    return job


def issue_link(story: RenderStory, job: RenderJob) -> dict[str, Any]:
    response = story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/download")
    assert response.status_code == 200, response.content
    return dict(response.json())


def fetch(url: str) -> Any:
    """Follow a download link as anyone would: no credentials."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver"
    return APIClient().get(f"{parts.path}?{parts.query}")


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def signing_clock_moved(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Django's TimestampSigner reads time.time(), not config.clock: move only the signer's time."""
    real = time.time
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: real() + seconds))


def test_the_download_link_serves_exactly_the_stored_output_and_is_audited(tmp_path, clock):
    story = make_render_story(tmp_path)
    job = completed_job(story)
    link = issue_link(story, job)
    assert link["sha256"] == job.output_sha256
    assert 0 < link["expires_in_seconds"] <= 300

    response = fetch(link["url"])

    assert response.status_code == 200
    data = body_of(response)
    with default_storage.open(job.output_name, "rb") as stored:
        assert data == stored.read()
    assert hashlib.sha256(data).hexdigest() == job.output_sha256
    assert len(data) == job.output_size
    assert "attachment" in response["Content-Disposition"]
    (downloaded,) = job_entries(job, AuditAction.RENDER_JOB_DOWNLOADED)
    assert downloaded.actor_id == story.studio.user.pk
    assert downloaded.data == {"output_sha256": job.output_sha256, "download_id": downloaded.data["download_id"]}
    told = Notification.objects.get(recipient=story.actor.user, kind="render.downloaded")
    assert told.event_key == f"render.downloaded:{downloaded.data['download_id']}", "the owner is told of this one"


def test_every_link_issued_is_audited(tmp_path, clock):
    story = make_render_story(tmp_path)
    job = completed_job(story)
    links = {issue_link(story, job)["url"] for _ in range(3)}
    assert len(job_entries(job, AuditAction.RENDER_JOB_DOWNLOADED)) == 3
    assert all(fetch(url).status_code == 200 for url in links)


def test_a_link_past_its_lifetime_is_refused_as_expired(tmp_path, settings, clock, monkeypatch):
    settings.DOWNLOAD_LINK_SECONDS = 60
    story = make_render_story(tmp_path)
    job = completed_job(story)
    url = issue_link(story, job)["url"]

    signing_clock_moved(monkeypatch, 50)
    assert fetch(url).status_code == 200  # still within its minute
    signing_clock_moved(monkeypatch, 61)
    response = fetch(url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_expired"


TAMPERED = {
    "signature_edited": lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    "value_edited": lambda token: "x" + token,
    "timestamp_edited": lambda token: ":".join([*token.split(":")[:-2], "zzzzzz", token.split(":")[-1]]),
    "no_token": lambda token: "",
}


def test_a_tampered_link_is_refused_as_invalid(tmp_path, clock):
    story = make_render_story(tmp_path)
    job = completed_job(story)
    parts = urlsplit(issue_link(story, job)["url"])
    token = parts.query.removeprefix("token=")

    for name, tamper in TAMPERED.items():
        response = APIClient().get(parts.path, {"token": tamper(token)})
        assert response.status_code == 403, name
        assert response.json()["error"]["code"] == "link_invalid", name
    assert APIClient().get(parts.path, {"token": token}).status_code == 200


def test_a_link_for_one_job_does_not_open_another(tmp_path, clock):
    story = make_render_story(tmp_path)
    first, second = completed_job(story), completed_job(story)
    token = urlsplit(issue_link(story, first)["url"]).query.removeprefix("token=")

    response = APIClient().get(f"/api/v1/render-jobs/{second.pk}/file", {"token": token})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_invalid"


def test_a_job_without_output_has_no_download(tmp_path, clock):
    story = make_render_story(tmp_path, enrol=False)
    job_id = story.submit(territory="US").json()["id"]
    assert RenderJob.objects.get(pk=job_id).status == JobStatus.REFUSED

    response = story.studio.client().get(f"/api/v1/render-jobs/{job_id}/download")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_output"
    assert not AuditEntry.objects.filter(action=AuditAction.RENDER_JOB_DOWNLOADED).exists()


# --- Uploads ---------------------------------------------------------------------------------------


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares ten billion pixels over a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def truncated(story: RenderStory) -> SimpleUploadedFile:
    return SimpleUploadedFile("hopper.jpg", story.still[: len(story.still) // 3], content_type="image/jpeg")


UPLOADS = [
    pytest.param(truncated, "media_unreadable", id="a_corrupt_jpeg"),
    pytest.param(
        lambda story: SimpleUploadedFile("clip.mp4", story.clip[:200], content_type="video/mp4"),
        "media_unreadable",
        id="a_corrupt_mp4",
    ),
    pytest.param(
        lambda story: SimpleUploadedFile("hopper.jpg", b"this is not a photo\n" * 20, content_type="image/jpeg"),
        "media_unsupported_type",
        id="a_text_file_named_jpg",
    ),
    pytest.param(
        lambda story: SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png"),
        "media_too_many_pixels",
        id="a_decompression_bomb",
    ),
    pytest.param(
        lambda story: SimpleUploadedFile("hopper.jpg", story.still, content_type="image/jpeg"),
        "media_too_large",
        id="a_file_over_the_size_limit",
    ),
]


def assert_nothing_was_kept() -> None:
    assert RenderJob.objects.count() == 0
    assert stored_files("uploads") == [] and stored_files("outputs") == []
    assert not AuditEntry.objects.filter(action=AuditAction.RENDER_JOB_SUBMITTED).exists()


@pytest.mark.parametrize(("upload", "code"), UPLOADS)
def test_a_bad_upload_is_refused_at_submission_and_nothing_is_kept(tmp_path, settings, clock, upload, code):
    story = make_render_story(tmp_path, enrol=False)
    settings.RENDER_MAX_UPLOAD_BYTES = len(story.still) - 1  # only the real still is over it

    response = story.submit(file=upload(story))

    # A file over the size limit is cut off as it streams in (413); the others are read and refused.
    assert response.status_code == (413 if code == "media_too_large" else 400), response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert_nothing_was_kept()


@pytest.mark.parametrize("who", ["ada", "outsider", "rights"])
def test_only_studio_members_may_submit(tmp_path, clock, who):
    story = make_render_story(tmp_path, enrol=False)
    client = {
        "ada": story.actor.client(),
        "outsider": make_persona("outsider").client(),
        "rights": story.rights_holder.client(),
    }[who]

    response = story.submit(client)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_studio_member"
    assert_nothing_was_kept()
