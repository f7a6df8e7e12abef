"""Verification reads the mark out of every container a repost may come in.

An outsider uploads a marked picture re-saved as AVIF or GIF, or a marked clip re-muxed as MOV,
WebM (VP9) or an animated GIF: the public endpoint accepts each and names the mark id. HEIC, which
neither Pillow nor PyAV here can decode, is refused with a stable code, and the new repost
containers stay out of render inputs.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from render.media import MediaLimits, MediaRejected, probe_media
from render.provenance import watermark_key
from render.watermark import watermarker_for
from tools.watermark_bench import encode_clip, fit, panning_clip, photos

pytestmark = pytest.mark.django_db
MARK_ID = 0x0000_0BAD_CAFE


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def outsider_uploads(data: bytes, name: str) -> dict:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = APIClient().post("/api/v1/verify", {"file": upload}, format="multipart")
    return response.json()


@pytest.fixture(scope="module")
def marked_picture() -> np.ndarray:
    return watermarker_for(watermark_key()).embed(fit(photos()["coffee"], height=540, width=960), MARK_ID)


@pytest.fixture(scope="module")
def marked_clip() -> list[np.ndarray]:
    clip = panning_clip(photos()["astronaut"], frames=16, height=360, width=640, speed=0.5)
    marker = watermarker_for(watermark_key())
    return [marker.embed(frame, MARK_ID) for frame in clip]


def _still(image: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, fmt)
    return buffer.getvalue()


def _animated_gif(frames: list[np.ndarray]) -> bytes:
    images = [Image.fromarray(f) for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["AVIF", "GIF"])
def test_a_marked_still_resaved_in_a_repost_format_names_its_mark(marked_picture, fmt):
    body = outsider_uploads(_still(marked_picture, fmt), f"repost.{fmt.lower()}")
    assert body["watermark"]["found"] is True, body
    assert body["watermark"]["mark_id"] == MARK_ID
    assert body["c2pa"]["present"] is False


@pytest.mark.parametrize(
    "container",
    [
        pytest.param({"container": "mov", "crf": 28}, id="mov"),
        pytest.param({"container": "webm", "codec": "libvpx-vp9", "crf": 35}, id="webm-vp9"),
    ],
)
def test_a_marked_clip_remuxed_for_a_repost_names_its_mark(marked_clip, container):
    data = encode_clip(marked_clip, fps=12, **container)
    body = outsider_uploads(data, f"repost.{container['container']}")
    assert body["media_type"] == "video"
    assert body["watermark"]["found"] is True, body
    assert body["watermark"]["mark_id"] == MARK_ID
    assert body["c2pa"]["present"] is False  # WebM has no C2PA binding: absent, never "tampered"


def test_an_animated_gif_of_a_marked_clip_names_its_mark(marked_clip):
    body = outsider_uploads(_animated_gif(marked_clip[::2]), "repost.gif")
    assert body["watermark"]["found"] is True, body
    assert body["watermark"]["mark_id"] == MARK_ID
    assert body["watermark"]["frames_examined"] == 8


def test_heic_is_refused_with_a_stable_code():
    heic_header = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    body = outsider_uploads(heic_header, "photo.heic")
    assert body["error"]["code"] == "media_unsupported_type"


def test_repost_containers_are_not_render_inputs(marked_clip, tmp_path: Path):
    path = tmp_path / "clip.webm"
    path.write_bytes(encode_clip(marked_clip, container="webm", codec="libvpx-vp9", crf=35))
    limits = MediaLimits(max_bytes=1 << 30, max_pixels=1 << 24, max_video_seconds=60, max_fps=60)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=limits)
    assert refused.value.code == "media_unsupported_type"
