"""Public-domain sample media for `manage.py demo` and `manage.py bench render`. Nothing is downloaded.

- Grace Hopper's official US Navy portrait (public domain), shipped inside matplotlib's wheel as
  sample data: the work a studio alters (a still, and clips generated from it with motion and a tone).
- The astronaut photo (Eileen Collins, NASA, public domain), shipped inside scikit-image: the actor
  who enrols her likeness.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from render.video import write_clip


@lru_cache(maxsize=1)
def hopper() -> np.ndarray:
    """Grace Hopper's portrait, RGB uint8 600x512, from matplotlib's bundled sample data."""
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return np.asarray(image.convert("RGB"))


@lru_cache(maxsize=1)
def astronaut() -> np.ndarray:
    """skimage's public-domain astronaut photo (a real face), RGB uint8 512x512."""
    from skimage import data

    return np.asarray(data.astronaut())


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(image: np.ndarray, *, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def write_push_in_clip(path: Path, *, seconds: float = 2.0, fps: int = 12) -> None:
    """The portrait with a slow push-in (every frame differs) and a 440 Hz tone: the demo's clip."""
    base = hopper()[:592]
    size = (base.shape[1] // 2 * 2, base.shape[0] // 2 * 2)

    def frames() -> Iterator[np.ndarray]:
        for i in range(round(seconds * fps)):
            crop = 8 + i % 16
            cropped = base[crop : base.shape[0] - crop, crop : base.shape[1] - crop]
            yield np.asarray(Image.fromarray(cropped).resize(size))

    write_clip(path, frames(), fps=fps, audio_seconds=seconds)


def marker_cell(width: int, *, det_size: int) -> int:
    """Side in frame pixels of one stride-8 cell of the tiny detector, for a landscape frame."""
    cell = 8 * width / det_size
    if cell < 1 or cell != int(cell):
        raise ValueError(f"a {width}-pixel-wide frame does not map the detector's {det_size} grid onto whole pixels")
    return int(cell)


def moving_portrait_frames(
    *, width: int, height: int, fps: int, seconds: float, marker_det_size: int | None = None
) -> Iterator[np.ndarray]:
    """The portrait on a dark canvas, panning sideways and breathing in scale (a slow camera move).

    With `marker_det_size`, each frame also carries one white cell on the tiny detector's grid (see
    tests/tiny_face_models.py) beside the portrait's head, moving with it: so the insightface
    engine on the tiny models finds and replaces one "face" per frame, as dlib does Hopper's.
    """
    portrait = hopper()
    cell = marker_cell(width, det_size=marker_det_size) if marker_det_size else 0
    for i in range(round(seconds * fps)):
        t = i / fps
        scale = 0.88 + 0.06 * math.sin(2 * math.pi * t / 4.0)
        ph = round(height * scale)
        pw = round(portrait.shape[1] * ph / portrait.shape[0])
        resized = np.asarray(Image.fromarray(portrait).resize((pw, ph), Image.Resampling.BILINEAR))
        travel = width - pw
        x = round(travel * (0.5 + 0.35 * math.sin(2 * math.pi * t / 6.0)))
        y = (height - ph) // 2
        frame = np.full((height, width, 3), (28, 32, 44), dtype=np.uint8)
        frame[y : y + ph, x : x + pw] = resized
        if cell:
            # Left of the portrait when there is room, right of it otherwise; on the grid, mid-height.
            cx = x - 4 * cell if x >= 6 * cell else x + pw + 2 * cell
            cx = min(max(cx // cell * cell, 0), width - cell)
            cy = (height // 3) // cell * cell
            frame[cy : cy + cell, cx : cx + cell] = 255
        yield frame


def write_moving_clip(
    path: Path, *, width: int, height: int, fps: int, seconds: float, marker_det_size: int | None = None
) -> None:
    """A clip of `moving_portrait_frames` with a tone as long as the video (the benchmark's input)."""
    frames = moving_portrait_frames(
        width=width, height=height, fps=fps, seconds=seconds, marker_det_size=marker_det_size
    )
    write_clip(path, frames, fps=fps, audio_seconds=seconds)
