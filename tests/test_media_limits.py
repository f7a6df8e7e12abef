"""Uploads are identified by their bytes and refused on limits before any heavy work.

Persona: a studio uploading target media, sometimes broken or hostile.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render.media import MediaLimits, MediaRejected, probe_media
from render.video import write_clip

LIMITS = MediaLimits(max_bytes=5_000_000, max_pixels=4_000_000, max_video_seconds=10, max_fps=60)


def image_file(tmp_path: Path, fmt: str, size=(320, 240)) -> Path:
    rng = np.random.default_rng(1)
    path = tmp_path / f"still.{fmt.lower()}"
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path, format=fmt)
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge image: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def clip(tmp_path: Path, frames: int, fps: int = 25) -> Path:
    path = tmp_path / "clip.mp4"
    write_clip(path, (np.full((64, 96, 3), i % 255, np.uint8) for i in range(frames)), fps=fps)
    return path


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_stills_are_identified_by_their_bytes(tmp_path, fmt):
    path = image_file(tmp_path, fmt)
    renamed = path.rename(tmp_path / "misleading-name.mp4")
    info = probe_media(renamed, limits=LIMITS)
    assert (info.kind, info.format, info.width, info.height) == ("image", fmt.lower(), 320, 240)
    assert len(info.sha256) == 64


def test_a_video_reports_duration_rate_and_audio(tmp_path):
    path = tmp_path / "with-sound.mp4"
    write_clip(path, (np.zeros((64, 96, 3), np.uint8) for _ in range(50)), fps=25, audio_seconds=2.0)
    info = probe_media(path, limits=LIMITS)
    assert (info.kind, info.codec, info.fps, info.has_audio) == ("video", "h264", 25.0, True)
    assert info.duration_seconds == pytest.approx(2.0, abs=0.05)


def test_a_text_file_named_like_a_photo_is_refused(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_text("definitely a photo")
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS, name="photo.jpg")
    assert refused.value.code == "media_unsupported_type"
    assert refused.value.detail["file"] == "photo.jpg"


def test_a_truncated_jpeg_is_unreadable(tmp_path):
    path = image_file(tmp_path, "JPEG")
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS)
    assert refused.value.code == "media_unreadable"


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(60_000, 60_000))
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS)
    assert refused.value.code == "media_too_many_pixels"
    assert refused.value.detail["max_pixels"] == LIMITS.max_pixels


def test_an_image_just_over_our_own_pixel_limit_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png_header_only(2100, 2000))
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS)
    assert refused.value.code == "media_too_many_pixels"
    assert (refused.value.detail["width"], refused.value.detail["height"]) == (2100, 2000)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    path = image_file(tmp_path, "PNG")
    tight = MediaLimits(max_bytes=100, max_pixels=LIMITS.max_pixels, max_video_seconds=10, max_fps=60)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=tight)
    assert refused.value.code == "media_too_large"


def test_an_empty_file_is_unreadable(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS)
    assert refused.value.code == "media_unreadable"


def test_a_video_over_the_duration_limit_is_refused(tmp_path):
    path = clip(tmp_path, frames=60, fps=25)
    short = MediaLimits(max_bytes=LIMITS.max_bytes, max_pixels=LIMITS.max_pixels, max_video_seconds=2, max_fps=60)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=short)
    assert refused.value.code == "video_too_long"


def test_a_video_over_the_frame_rate_limit_is_refused(tmp_path):
    path = clip(tmp_path, frames=30, fps=60)
    slow = MediaLimits(max_bytes=LIMITS.max_bytes, max_pixels=LIMITS.max_pixels, max_video_seconds=10, max_fps=30)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=slow)
    assert refused.value.code == "video_frame_rate_too_high"


def test_a_corrupt_mp4_is_unreadable(tmp_path):
    path = clip(tmp_path, frames=10)
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[:32]) + b"\x00" * 64)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits=LIMITS)
    assert refused.value.code == "media_unreadable"


def test_an_unreadable_stream_never_leaks_an_exception_type(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="PNG")
    path = tmp_path / "tiny.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(MediaRejected):
        probe_media(path, limits=LIMITS)
