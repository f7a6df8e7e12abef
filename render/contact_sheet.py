"""A contact sheet: the target, the actor and the output side by side, to judge a swap at a glance.

`write_contact_sheet(output, target=..., actor=...)` writes `<output stem>-sheet.jpg` beside the
output, from left to right: the target as delivered (a still, or a clip's first frame), the actor's
reference photo, the output (the same frame). Each panel is scaled to one height; no text, so the
sheet reads the same in every language. Pure: files in, a file out, no database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from render.video import iter_frames

VIDEO_SUFFIXES = {".mp4", ".mov", ".webm", ".mkv"}
GAP = 8  # pixels of white between panels
BACKGROUND = (255, 255, 255)


def first_frame(path: Path) -> np.ndarray:
    """A still's pixels, or a clip's first frame, as RGB uint8."""
    if path.suffix.lower() in VIDEO_SUFFIXES:
        for frame in iter_frames(path):
            return np.asarray(frame)
        raise ValueError(f"{path} holds no video frame")
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def contact_sheet(panels: list[np.ndarray], *, height: int = 360) -> np.ndarray:
    """`panels` scaled to `height` and laid side by side with a white gap."""
    scaled = []
    for panel in panels:
        width = max(1, round(panel.shape[1] * height / panel.shape[0]))
        scaled.append(np.asarray(Image.fromarray(panel).resize((width, height), Image.Resampling.LANCZOS)))
    total = sum(p.shape[1] for p in scaled) + GAP * (len(scaled) + 1)
    sheet = np.empty((height + 2 * GAP, total, 3), dtype=np.uint8)
    sheet[:] = BACKGROUND
    x = GAP
    for panel in scaled:
        sheet[GAP : GAP + height, x : x + panel.shape[1]] = panel
        x += panel.shape[1] + GAP
    return sheet


def write_contact_sheet(output: Path, *, target: bytes, actor: np.ndarray) -> Path:
    """Write `<output stem>-sheet.jpg` beside `output` (target, actor, output); `target` is the uploaded file."""
    with tempfile.TemporaryDirectory(prefix="sheet-") as tmp:
        target_path = Path(tmp) / f"target{output.suffix}"
        target_path.write_bytes(target)
        target_frame = first_frame(target_path)
    sheet = contact_sheet([target_frame, actor, first_frame(output)])
    path = output.with_name(f"{output.stem}-sheet.jpg")
    Image.fromarray(sheet).save(path, format="JPEG", quality=90)
    return path
