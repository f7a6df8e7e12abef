"""A public verification costs bounded memory and time whatever the file holds.

Personas: a prankster posting hostile files to the public verifier, and a journalist checking a
marked file. The budget (VERIFY_MAX_DECODED_PIXELS, VERIFY_MAX_VIDEO_FRAME_PIXELS, VERIFY_WORK_PIXELS,
VERIFY_DEADLINE_SECONDS) is shrunk here so that small generated files stand for large ones; each
refusal has its stable code, and a marked file inside the budget still names its mark.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from render.provenance import watermark_key
from render.video import write_clip
from render.watermark import embed_frame
from tools.sample_media import astronaut

pytestmark = pytest.mark.django_db
MARK = 777_001


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    cache.clear()
    settings.VERIFY_RATE = "1000/minute"


def photo(height: int, width: int, *, seed: int = 1) -> np.ndarray:
    scaled = np.asarray(Image.fromarray(astronaut()).resize((width, height), Image.Resampling.BILINEAR))
    noise = np.random.default_rng(seed).normal(0, 2, size=(height, width, 1))
    return np.clip(scaled + noise, 0, 255).astype(np.uint8)


def marked(frame: np.ndarray) -> np.ndarray:
    return embed_frame(frame, mark_id=MARK, key=watermark_key())


def encoded(frame: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def clip(path: Path, *, frames: int, height: int = 360, width: int = 640) -> bytes:
    base = photo(height, width, seed=5)
    rng = np.random.default_rng(9)
    moving = (np.clip(base + rng.normal(0, 2, base.shape), 0, 255).astype(np.uint8) for _ in range(frames))
    write_clip(path, (marked(frame) for frame in moving), fps=24)
    return path.read_bytes()


def ask(data: bytes, name: str):
    return APIClient().post("/api/v1/verify", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_a_png_over_the_decode_budget_is_refused_from_its_header(settings):
    settings.VERIFY_MAX_DECODED_PIXELS = 100_000
    response = ask(encoded(photo(400, 400), "PNG"), "big.png")  # 160 000 pixels
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "media_too_many_pixels"
    assert (error["detail"]["width"], error["detail"]["height"], error["detail"]["max_pixels"]) == (400, 400, 100_000)


def test_a_jpeg_over_the_decode_budget_is_read_at_half_size_and_still_names_its_mark(settings):
    settings.VERIFY_MAX_DECODED_PIXELS = 100_000  # the 640x480 file is decoded as 320x240
    response = ask(encoded(marked(photo(480, 640)), "JPEG"), "marked.jpg")
    assert response.status_code == 200, response.content
    assert (response.json()["watermark"]["found"], response.json()["watermark"]["mark_id"]) == (True, MARK)


def test_a_jpeg_too_big_even_at_half_size_is_refused(settings):
    settings.VERIFY_MAX_DECODED_PIXELS = 20_000
    response = ask(encoded(photo(480, 640), "JPEG"), "huge.jpg")
    assert response.status_code == 400 and response.json()["error"]["code"] == "media_too_many_pixels"


def test_video_frames_over_the_frame_budget_are_refused_before_decoding(settings, tmp_path):
    settings.VERIFY_MAX_VIDEO_FRAME_PIXELS = 64 * 64
    response = ask(clip(tmp_path / "c.mp4", frames=3, height=96, width=128), "c.mp4")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "media_too_many_pixels"


def test_a_clip_is_read_from_a_bounded_sample_of_its_frames_and_still_names_its_mark(settings, tmp_path):
    data = clip(tmp_path / "c.mp4", frames=48)
    per_frame = 640 * 360  # read at its own size (the decoder's grid search covers re-shares)
    settings.VERIFY_WORK_PIXELS = 6 * per_frame
    body = ask(data, "c.mp4").json()
    assert body["watermark"]["found"] is True and body["watermark"]["mark_id"] == MARK
    assert 1 <= body["watermark"]["frames_examined"] <= 6


def test_a_file_that_runs_past_the_deadline_is_refused_with_its_own_code(settings):
    settings.VERIFY_DEADLINE_SECONDS = 0
    response = ask(encoded(photo(240, 320), "PNG"), "photo.png")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "verification_deadline_exceeded" and error["detail"]["deadline_seconds"] == 0


def test_the_web_page_explains_a_file_over_the_budget(settings, client):
    settings.VERIFY_MAX_DECODED_PIXELS = 100_000
    upload = SimpleUploadedFile("big.png", encoded(photo(400, 400), "PNG"))
    response = client.post("/verify/", {"file": upload})
    assert response.status_code == 400
    assert "The picture has more pixels than this site accepts." in response.content.decode()
    again = SimpleUploadedFile("big.png", encoded(photo(400, 400), "PNG"))
    chinese = client.post("/verify/", {"file": again}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        assert translation.gettext("The picture has more pixels than this site accepts.") in chinese.content.decode()
