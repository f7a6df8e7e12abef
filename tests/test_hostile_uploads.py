"""Hostile files and bodies sent to every upload and JSON endpoint are refused early and cheaply.

Personas: a studio submitting render jobs, an actor enrolling a draft likeness, and anonymous
visitors of the public verifier (API and web page). Every bad file is generated here. Each must get
a 4xx with a stable code, store nothing, create no job and stay under a bound on peak Python memory
during the request (tracemalloc); no wall-clock assertions.
"""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from likeness.models import LikenessStatus
from render.models import RenderJob
from render.video import write_clip
from tests.factories import make_actor, make_licensed_story

pytestmark = pytest.mark.django_db

PEAK_BYTES = 200 * 1024 * 1024


def _image(fmt: str, size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), 90, dtype=np.uint8)).save(buffer, format=fmt)
    return buffer.getvalue()


def _clip(tmp_path: Path) -> bytes:
    path = tmp_path / "tiny.mp4"
    write_clip(path, (np.full((64, 64, 3), i * 20, dtype=np.uint8) for i in range(6)), fps=6)
    return path.read_bytes()


def _set_box_duration(data: bytes, box: bytes) -> bytes:
    """Rewrite every `box` (mvhd or mdhd) to declare an absurd duration (about 13 years)."""
    out = bytearray(data)
    start = 0
    while (at := out.find(box, start)) != -1:
        version = out[at + 4]
        # version 0: flags(3) created(4) modified(4) timescale(4) duration(4); version 1: 8-byte times
        if version == 0:
            struct.pack_into(">I", out, at + 4 + 4 + 4 + 4 + 4, 0xFFFFFFF0)
        else:
            struct.pack_into(">Q", out, at + 4 + 4 + 8 + 8 + 4, 0xFFFFFFFFFFF0)
        start = at + 4
    return bytes(out)


def _png_bomb_header() -> bytes:
    """A PNG whose header declares 100000 x 100000 pixels (a decompression bomb), with a tiny body."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.sh", "echo hi\n")
    return buffer.getvalue()


# Files that are valid media under our limits: accepted (a render job is queued and the gate, not the
# upload, refuses an unregistered file; the type is read from the bytes, never the name), but still
# parsed within the memory bound. The limits read real streams, not the declared mvhd/mdhd
# durations, so the edited MP4 is measured as the 1 s it really is.
TOLERATED = {"png named .mp4", "jpeg with a zip appended", "1x100000 image", "mp4 with a huge mvhd and mdhd duration"}


def corpus(tmp_path: Path) -> dict[str, tuple[str, bytes]]:
    """name -> (file name, bytes). All but TOLERATED must be refused."""
    jpeg, png, mp4 = _image("JPEG"), _image("PNG"), _clip(tmp_path)
    rng = np.random.default_rng(7)
    return {
        "truncated jpeg": ("a.jpg", jpeg[: len(jpeg) // 2]),
        "truncated png": ("a.png", png[: len(png) // 2]),
        "truncated mp4": ("a.mp4", mp4[: len(mp4) // 3]),
        "text named .jpg": ("a.jpg", b"just some text, not a photo\n" * 20),
        "zip named .png": ("a.png", _zip()),
        "png named .mp4": ("a.mp4", png),
        "jpeg with a zip appended": ("poly.jpg", jpeg + _zip()),
        "png that is also html": ("a.png", png[:16] + b"<html><script>alert(1)</script></html>"),
        "decompression bomb header": ("bomb.png", _png_bomb_header()),
        "1x100000 image": ("tall.png", _image("PNG", (1, 100_000))),
        "mp4 with a huge mvhd and mdhd duration": (
            "long.mp4",
            _set_box_duration(_set_box_duration(mp4, b"mvhd"), b"mdhd"),
        ),
        "zero-length": ("empty.jpg", b""),
        "plain text": ("notes.txt", b"hello\n"),
        "random bytes": ("noise.bin", rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()),
    }


def measured(send: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        response = send()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


def error_code(response: Any) -> str:
    if response.status_code < 400:
        return ""
    return str(response.json()["error"]["code"])


def assert_refused(results: dict[str, tuple[int, str]], statuses: set[int], *, media_codes: bool = True) -> None:
    for label, (status, code) in results.items():
        if label in TOLERATED:
            assert status in {200, 201} | statuses, (label, status, code)
            continue
        assert status in statuses, (label, status, code)
        assert code and code != "internal_error", (label, code)
        if media_codes:
            assert code.startswith("media_") or code == "validation_failed", (label, code)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


def test_every_hostile_file_is_refused_by_render_job_submission(tmp_path, isolated_media):
    story = make_licensed_story()
    client = story.studio.client()
    refused = {}
    for label, (name, data) in corpus(tmp_path).items():
        body = {
            "license_id": str(story.license.pk),
            "file": SimpleUploadedFile(name, data),
            "purpose": "film",
            "territory": "FR",
        }
        response, peak = measured(lambda body=body: client.post("/api/v1/render-jobs/", body, format="multipart"))
        refused[label] = (response.status_code, error_code(response))
        assert peak < PEAK_BYTES, (label, peak)
    assert_refused(refused, {400})
    # Only the tolerated files became jobs; nothing refused was stored.
    assert RenderJob.objects.count() == sum(1 for label in TOLERATED if refused[label][0] == 201)
    stored = list((isolated_media / "uploads").iterdir()) if (isolated_media / "uploads").exists() else []
    assert len(stored) == RenderJob.objects.count()


def test_every_hostile_file_is_refused_by_likeness_enrolment(tmp_path):
    actor = make_actor()
    client = actor.client()
    refused = {}
    for label, (name, data) in corpus(tmp_path).items():
        photos = {"photos": [SimpleUploadedFile(name, data)]}
        path = f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/"
        response, peak = measured(lambda photos=photos, path=path: client.post(path, photos, format="multipart"))
        refused[label] = (response.status_code, error_code(response))
        assert peak < PEAK_BYTES, (label, peak)
        body = response.content.decode()
        assert "Traceback" not in body and "Error(" not in body
    # Enrolment refuses with its own codes (unreadable_image, no_face, ...), so any stable code will do.
    assert_refused(refused, {400, 422}, media_codes=False)
    actor.likeness.refresh_from_db()
    assert actor.likeness.status == LikenessStatus.DRAFT
    assert not actor.likeness.photos.exists()


def test_every_hostile_file_is_refused_by_the_public_verifier(tmp_path, settings):
    settings.VERIFY_RATE = "1000/minute"
    refused = {}
    for label, (name, data) in corpus(tmp_path).items():
        upload = SimpleUploadedFile(name, data)
        response, peak = measured(
            lambda upload=upload: APIClient().post("/api/v1/verify", {"file": upload}, format="multipart")
        )
        refused[label] = (response.status_code, error_code(response))
        assert peak < PEAK_BYTES, (label, peak)
    assert_refused(refused, {400})


def test_the_web_verify_page_refuses_every_hostile_file_with_a_400(tmp_path, settings):
    statuses = {}
    for label, (name, data) in corpus(tmp_path).items():
        upload = SimpleUploadedFile(name, data)
        response, peak = measured(lambda upload=upload: Client().post("/verify/", {"file": upload}))
        statuses[label] = response.status_code
        assert peak < PEAK_BYTES, (label, peak)
    assert {label for label, status in statuses.items() if status != 400} <= TOLERATED, statuses


# --- JSON bodies ----------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_400_with_a_code(settings):
    actor = make_actor()
    body = json.dumps({"name": "x" * (20 * 1024 * 1024)})
    response, peak = measured(lambda: actor.client().post("/api/v1/tokens/", body, content_type="application/json"))
    assert peak < PEAK_BYTES  # the test client's own copies of the body included
    assert response.status_code == 400
    assert error_code(response) == "request_too_large"
    assert actor.user.api_tokens.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "malformed_json"),
        ("[" * 100_000 + "]" * 100_000, "malformed_json"),
        ('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", "malformed_json"),
        ('{"name": ["a", "b"]}', "validation_failed"),
        ('{"name": {"a": 1}}', "validation_failed"),
        ('"just a string"', "validation_failed"),
        ("null", "validation_failed"),
        ("\xff\xfe", "malformed_json"),
    ],
)
def test_malformed_and_mistyped_json_gets_the_error_body(body, code):
    actor = make_actor()
    response = actor.client().post(
        "/api/v1/tokens/", body.encode("utf-8", "surrogateescape"), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert error_code(response) == code
    assert set(response.json()["error"]) == {"code", "message", "detail"}


def test_wrong_types_on_a_licence_request_name_each_field():
    story = make_licensed_story()
    body = {
        "studio_id": 5,
        "likeness_id": "nope",
        "works": "all",
        "purposes": [1],
        "media_types": None,
        "territories": {},
        "valid_until": "tomorrow",
        "max_renders": "many",
    }
    response = story.studio.client().post("/api/v1/licenses/", body, format="json")
    assert response.status_code == 400
    assert error_code(response) == "validation_failed"
    assert {"likeness_id", "works", "purposes", "media_types", "territories", "valid_until", "max_renders"} <= set(
        response.json()["error"]["detail"]["fields"]
    )
