"""Anyone can ask whether a file was rendered here, under which licence, and whether it still stands.

Personas: a journalist with a file from social media (anonymous); Ada, who later revokes; a forger.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from licensing.lifecycle import license_revoke
from render.models import RenderJob
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def rendered(tmp_path):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    with default_storage.open(job.output_name, "rb") as stored:
        data = stored.read()
    return story, job, data


def ask(data: bytes, name: str = "file.jpg"):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return APIClient().post("/api/v1/verify", {"file": upload}, format="multipart")


def reencoded(data: bytes, **save) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buffer, **save)
    return buffer.getvalue()


def test_a_rendered_file_names_its_job_licence_and_owner(rendered):
    story, job, data = rendered
    response = ask(data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["c2pa"]["valid"] is True and body["c2pa"]["state"] == "Trusted"
    assert (body["watermark"]["found"], body["watermark"]["mark_id"]) == (True, job.mark_id)
    assert body["job"]["id"] == str(job.pk)
    assert body["license"]["id"] == str(story.license.pk) and body["license"]["status"] == "active"
    assert body["likeness_owner"] == story.actor.owner.display_name
    assert body["consistent"] is True


def test_after_revocation_every_output_says_revoked(rendered):
    story, _job, data = rendered
    license_revoke(license=story.license, reason="I changed my mind", actor=story.actor.user)
    body = ask(data).json()
    assert body["license"]["status"] == "revoked"
    assert body["license"]["reason"] is None  # that and when, never why: her reason is hers alone
    assert body["license"]["since"]


def test_a_reencoded_screenshot_loses_the_manifest_but_not_the_mark(rendered):
    _story, job, data = rendered
    for copy in (reencoded(data, format="JPEG", quality=75), reencoded(data, format="PNG")):
        body = ask(copy).json()
        assert body["c2pa"]["present"] is False
        assert body["watermark"]["mark_id"] == job.mark_id
        assert body["job"]["id"] == str(job.pk)


def test_a_half_size_repost_still_names_the_job(rendered):
    _story, job, data = rendered
    image = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    image.resize((image.width // 2, image.height // 2)).save(buffer, format="JPEG", quality=85)
    body = ask(buffer.getvalue()).json()
    assert body["watermark"]["mark_id"] == job.mark_id


def test_a_flipped_byte_reads_as_tampered_while_the_mark_still_names_the_job(rendered):
    _story, job, data = rendered
    forged = bytearray(data)
    forged[len(forged) // 2] ^= 0x01
    body = ask(bytes(forged)).json()
    assert body["c2pa"]["present"] is True and body["c2pa"]["valid"] is False
    assert "C2PA manifest present but tampered" in body["summary"]
    assert body["watermark"]["mark_id"] == job.mark_id


def test_an_unmarked_photo_is_not_traceable():
    pixels = np.random.default_rng(7).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    body = ask(buffer.getvalue(), "photo.png").json()
    assert body["c2pa"]["present"] is False and body["watermark"]["found"] is False
    assert body["job"] is None and body["license"] is None
    assert "not traceable to a render made here" in body["summary"]


def test_garbage_and_oversized_files_are_refused_with_codes(settings):
    assert ask(b"hello", "x.jpg").json()["error"]["code"] == "media_unsupported_type"
    settings.VERIFY_MAX_BYTES = 2048
    response = ask(b"\xff\xd8\xff" + b"\x00" * 4096)  # cut off as it streams in, before it is spooled
    assert response.status_code == 413 and response.json()["error"]["code"] == "media_too_large"


def test_the_public_endpoint_is_rate_limited(settings):
    settings.VERIFY_RATE = "3/minute"
    responses = [ask(b"hello", "x.jpg") for _ in range(4)]
    assert [r.status_code for r in responses] == [400, 400, 400, 429]
    assert responses[3].json()["error"]["code"] == "throttled"
    assert int(responses[3]["Retry-After"]) > 0


def test_verify_media_command_prints_the_same_findings(rendered, tmp_path):
    story, job, data = rendered
    path = tmp_path / "found-online.jpg"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify_media", str(path), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["job"]["id"] == str(job.pk) and report["license"]["status"] == "active"
    out = io.StringIO()
    call_command("verify_media", str(path), stdout=out)
    assert f"likeness of {story.actor.owner.display_name}" in out.getvalue()
