"""How good a swap looks, in numbers: identity, seam, flicker and pose skips. Pure functions, no database.

Used by `manage.py bench swap_quality` (render/swap_quality_bench.py) and tests/test_swap_quality.py,
on the same definitions:

- identity: the dlib (or any engine's) embedding distance of the output's face to the actor and to
  the original face in the same place. Below the engine's tolerance to the actor is "her".
- seam score: where the output was changed (the region differing from the original, filled), the
  mean gradient magnitude on a thin ring along that region's outer edge in the output, divided by
  the same on the same ring in the original. 1.0 means the edge adds no gradient a viewer could see;
  a pasted patch with a visible edge scores well above.
- flicker: inside the face box, the mean absolute change from one frame to the next in the output,
  divided by the same in the original clip (1.0: the swap adds no frame-to-frame change of its own).
- spill: the share of the changed pixels that lie outside the target's face oval (brow-line
  forehead to chin, ear to ear, placed by its five landmarks): hair, neck or background the swap
  carried along. 0 means it changed the face and nothing else.
- untouched share: the fraction of frames the pose check left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from likeness.engines.base import DetectedFace, FaceEngine
from likeness.engines.landmarks import TEMPLATE_112, apply, similarity_fit

Box = tuple[float, float, float, float]
CHANGE_THRESHOLD = 6.0  # grey levels: a smoothed difference above this is "changed by the swap"
# The face oval in the 112x112 ArcFace template: centre and half-axes (to the chin, the temples).
FACE_OVAL_112 = ((56.0, 70.0), (38.0, 46.0))


@dataclass(frozen=True)
class Identity:
    to_actor: float
    to_original: float


def _iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def face_near(faces: Sequence[DetectedFace], box: Box) -> DetectedFace | None:
    """The face among `faces` overlapping `box` the most (at least a third), or None."""
    best = max(faces, key=lambda face: _iou(face.bbox, box), default=None)
    return best if best is not None and _iou(best.bbox, box) >= 0.33 else None


def identity(
    engine: FaceEngine, output: np.ndarray, *, box: Box, actor: np.ndarray, original: np.ndarray
) -> Identity | None:
    """Distances of the output's face at `box` to the actor's and the original's embeddings (None: no face)."""
    face = face_near(engine.detect(output), box)
    if face is None:
        return None
    vector = engine.embed(output, face)
    return Identity(float(np.linalg.norm(vector - actor)), float(np.linalg.norm(vector - original)))


def changed_region(output: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Boolean mask of the largest region where `output` differs from `original`, holes filled."""
    diff = np.abs(output.astype(np.int16) - original.astype(np.int16)).max(axis=2).astype(np.float32)
    changed = (cv2.GaussianBlur(diff, (0, 0), 2.0) > CHANGE_THRESHOLD).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changed, connectivity=8)
    if count <= 1:
        return np.zeros(changed.shape, dtype=bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    region = (labels == largest).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(region)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    return filled.astype(bool)


def face_oval(shape: tuple[int, int], landmarks: np.ndarray) -> np.ndarray:
    """Boolean mask of the face oval (see FACE_OVAL_112) of a face with these five landmarks."""
    (cx, cy), (ax, ay) = FACE_OVAL_112
    angles = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
    outline = np.stack([cx + ax * np.cos(angles), cy + ay * np.sin(angles)], axis=1)
    points = apply(similarity_fit(TEMPLATE_112, np.asarray(landmarks, dtype=np.float64)), outline)
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def spill(output: np.ndarray, original: np.ndarray, landmarks: np.ndarray) -> float:
    """Share of the changed pixels outside the face oval of the face with `landmarks` (0 when nothing changed)."""
    region = changed_region(output, original)
    changed = int(region.sum())
    if changed == 0:
        return 0.0
    return float((region & ~face_oval(region.shape, landmarks)).sum()) / changed


def _gradient(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))


def seam_score(output: np.ndarray, original: np.ndarray, region: np.ndarray | None = None) -> float:
    """Gradient on the edge of the changed region, output over original (1.0: no seam; nan: nothing changed)."""
    region = changed_region(output, original) if region is None else region
    if int(region.sum()) < 64:
        return float("nan")
    mask = region.astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    ring = (cv2.dilate(mask, kernel, iterations=2) > 0) & (cv2.erode(mask, kernel, iterations=2) == 0)
    original_energy = float(_gradient(original)[ring].mean())
    return float(_gradient(output)[ring].mean()) / max(original_energy, 1e-6)


def _crop(frame: np.ndarray, box: Box) -> np.ndarray:
    height, width = frame.shape[:2]
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(width, int(box[2])), min(height, int(box[3]))
    return cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY).astype(np.float32)


def flicker(originals: Sequence[np.ndarray], outputs: Sequence[np.ndarray], boxes: Sequence[Box | None]) -> float:
    """Frame-to-frame change inside the face box, output over original (nan: no two consecutive boxed frames).

    `boxes[i]` is the face box in frame i of the original (None where there is none); each pair of
    consecutive frames is compared inside the later frame's box.
    """
    out_total = orig_total = 0.0
    for i in range(1, min(len(originals), len(outputs), len(boxes))):
        box = boxes[i]
        if box is None or boxes[i - 1] is None:
            continue
        orig_total += float(np.abs(_crop(originals[i], box) - _crop(originals[i - 1], box)).mean())
        out_total += float(np.abs(_crop(outputs[i], box) - _crop(outputs[i - 1], box)).mean())
    return out_total / orig_total if orig_total > 0 else float("nan")


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class ClipReport:
    """The figures of one render (a still is a one-frame clip), as `measure` finds them."""

    frames: int
    swapped: int
    untouched: int
    to_actor: list[float]
    to_original: list[float]
    seams: list[float]
    spills: list[float]
    flicker: float

    def identity_share(self, limit: float = 0.6) -> float:
        """Share of swapped frames whose output face is within `limit` of the actor (undetected counts as not)."""
        return share(sum(1 for d in self.to_actor if d < limit), self.swapped)

    @property
    def seam(self) -> float:
        values = [v for v in self.seams if np.isfinite(v)]
        return float(np.median(values)) if values else float("nan")

    @property
    def spill(self) -> float:
        return float(np.median(self.spills)) if self.spills else float("nan")

    @property
    def untouched_share(self) -> float:
        return share(self.untouched, self.frames)

    def line(self) -> str:
        actor = float(np.median(self.to_actor)) if self.to_actor else float("nan")
        original = float(np.median(self.to_original)) if self.to_original else float("nan")
        return (
            f"{self.swapped}/{self.frames} frames swapped; identity to actor median {actor:.3f}, "
            f"under 0.6 in {self.identity_share():.0%}; to original median {original:.3f}; "
            f"seam {self.seam:.2f}x original; spill outside the face {self.spill:.1%}; "
            f"flicker {self.flicker:.2f}x original; "
            f"untouched by pose check {self.untouched_share:.0%}"
        )


def measure(
    engine: FaceEngine,
    *,
    originals: Sequence[np.ndarray],
    outputs: Sequence[np.ndarray],
    boxes: Sequence[Box | None],
    actor: np.ndarray,
    untouched: int = 0,
) -> ClipReport:
    """Identity, seam and flicker of `outputs` against `originals`; `boxes[i]` is the swapped face in frame i."""
    to_actor, to_original, seams, spills = [], [], [], []
    swapped = 0
    for original, output, box in zip(originals, outputs, boxes, strict=True):
        if box is None:
            continue
        swapped += 1
        before = face_near(engine.detect(original), box)
        if before is None:
            continue
        result = identity(engine, output, box=box, actor=actor, original=engine.embed(original, before))
        if result is not None:
            to_actor.append(result.to_actor)
            to_original.append(result.to_original)
        seams.append(seam_score(output, original))
        spills.append(spill(output, original, before.landmarks))
    return ClipReport(
        frames=len(originals),
        swapped=swapped,
        untouched=untouched,
        to_actor=to_actor,
        to_original=to_original,
        seams=seams,
        spills=spills,
        flicker=flicker(originals, outputs, boxes) if len(originals) > 1 else float("nan"),
    )
