"""`python manage.py bench swap_quality`: how good the offline swap looks, before and after issue 18.

The same inputs go through two paths in this process, and each output is measured with
likeness/engines/quality.py (identity, seam, flicker, pose skips):

- before: the swap as it was: per frame, detect, pick the face afresh, paste the reference photo
  through a feathered ellipse (`ellipse_swap`, kept here verbatim as the baseline), no tracking;
- after: `FrameRenderer` with the dlib engine: tracked and smoothed landmarks, pose check,
  inner-face mask, border-band colour match, Poisson blend.

Inputs (nothing downloaded): the actor is skimage's astronaut; the targets are Grace Hopper's
portrait (a still), two people side by side (her portrait and a mirrored, re-lit copy; the job
asks for the second from the left), a moving clip of the portrait (pan and breathing zoom), the
portrait held still under film grain (where detector jitter shows as flicker) and her head turned.
Targets: identity under 0.6 on at least 90% of swapped frames, seam within 1.3x of the original's,
flicker within 1.5x of the original's, under 5% of the change outside the face. A turned head is
refused by the pose check: it shows as untouched, and is not held to the other targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from likeness.engines import get_engine
from likeness.engines.base import DetectedFace, FaceEngine, SwapSource
from likeness.engines.quality import Box, ClipReport, measure
from likeness.engines.warp_swap import similarity_transform
from render.pipeline import FrameRenderer, select_faces
from render.sample_media import astronaut, hopper, moving_portrait_frames

Report = Callable[[str], object]
IDENTITY_LIMIT, IDENTITY_SHARE, SEAM_LIMIT, FLICKER_LIMIT, SPILL_LIMIT = 0.6, 0.9, 1.3, 1.5, 0.05


def ellipse_swap(image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
    """The swap before issue 18: a feathered ellipse over the face, Lab colour match inside it, alpha blend."""
    height, width = image.shape[:2]
    matrix = similarity_transform(source.face.landmarks, target.landmarks)
    warped = cv2.warpAffine(
        source.image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    left_eye, right_eye, _nose, left_mouth, right_mouth = np.asarray(target.landmarks, dtype=np.float64)
    eye_centre, mouth_centre = (left_eye + right_eye) / 2, (left_mouth + right_mouth) / 2
    eye_distance = float(np.linalg.norm(right_eye - left_eye))
    centre = eye_centre + 0.45 * (mouth_centre - eye_centre)
    angle = float(np.degrees(np.arctan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0])))
    axes = (max(1, round(eye_distance * 0.95)), max(1, round(np.linalg.norm(mouth_centre - eye_centre) * 1.3)))
    mask = np.zeros((height, width), dtype=np.float32)
    cv2.ellipse(mask, (round(centre[0]), round(centre[1])), axes, angle, 0, 360, 1.0, thickness=-1)
    mask = np.clip(cv2.GaussianBlur(mask, (0, 0), sigmaX=max(3, int(eye_distance * 0.3) | 1) / 2), 0.0, 1.0)
    inside = mask > 0.5
    src_lab = cv2.cvtColor(warped, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst_lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    for c in range(3):
        s, d = src_lab[..., c][inside], dst_lab[..., c][inside]
        src_lab[..., c] = (src_lab[..., c] - s.mean()) * (float(d.std()) / (float(s.std()) or 1.0)) + d.mean()
    recoloured = cv2.cvtColor(np.clip(src_lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB).astype(np.float32)
    alpha = mask[..., None]
    return np.clip(alpha * recoloured + (1.0 - alpha) * image.astype(np.float32) + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Case:
    name: str
    frames: list[np.ndarray]
    selection: str = "largest"
    index: int | None = None


def two_people() -> np.ndarray:
    """Hopper's portrait beside a mirrored copy lit a little warmer and darker: a two-face photo."""
    portrait = hopper()
    other = np.clip(portrait[:, ::-1].astype(np.float32) * np.array([0.95, 0.85, 0.8]), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.hstack([portrait, other]))


def turned_head() -> np.ndarray:
    """Hopper's portrait with nose and mouth pushed sideways under still eyes: a head turned ~25 degrees.

    A smooth displacement field centred below the nose moves the middle of the face by up to a
    quarter of the eye distance while the eyes and the outline barely move: the 2-D signature of a
    turn (the nose leaves the eyes' midline), which the pose check must refuse.
    """
    portrait = hopper()
    height, width = portrait.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    centre_x, centre_y, sigma, shift = 268.0, 262.0, 34.0, 24.0
    bump = np.exp(-((xs - centre_x) ** 2 + (ys - centre_y) ** 2) / (2 * sigma**2))
    return np.ascontiguousarray(cv2.remap(portrait, xs - shift * bump, ys, cv2.INTER_LINEAR))


def held_shot(frames: int) -> list[np.ndarray]:
    """Hopper's portrait held still with fresh film grain in every frame: the detector's landmarks jitter."""
    portrait = hopper().astype(np.int16)
    rng = np.random.default_rng(18)
    return [
        np.clip(portrait + rng.normal(0.0, 4.0, portrait.shape).round().astype(np.int16), 0, 255).astype(np.uint8)
        for _ in range(frames)
    ]


def cases(*, clip_frames: int) -> list[Case]:
    clip = list(moving_portrait_frames(width=640, height=480, fps=12, seconds=clip_frames / 12))
    return [
        Case("still", [np.array(hopper())]),
        Case("two people, index 1", [two_people()], selection="index", index=1),
        Case(f"moving clip, {len(clip)} frames", clip),
        Case(f"held shot, {len(clip)} frames", held_shot(len(clip))),
        Case("turned head", [turned_head()]),
    ]


def run_before(engine: FaceEngine, source: SwapSource, case: Case) -> tuple[list[np.ndarray], list[Box | None], int]:
    outputs: list[np.ndarray] = []
    boxes: list[Box | None] = []
    for frame in case.frames:
        targets = select_faces(engine.detect(frame), selection=case.selection, index=case.index)
        output = frame
        for target in targets:
            output = ellipse_swap(output, target=target, source=source)
        outputs.append(output)
        boxes.append(targets[0].bbox if targets else None)
    return outputs, boxes, 0


def run_after(engine: FaceEngine, source: SwapSource, case: Case) -> tuple[list[np.ndarray], list[Box | None], int]:
    boxes: list[Box | None] = []

    def mark(frame: np.ndarray, frame_index: int, faces: Sequence[Box]) -> np.ndarray:
        boxes.append(faces[0] if faces else None)
        return frame

    renderer = FrameRenderer(engine=engine, source=source, selection=case.selection, index=case.index, mark=mark)
    outputs = [renderer(frame, i) for i, frame in enumerate(case.frames)]
    untouched = {i for i, _ in renderer.frames_untouched}
    return outputs, [None if i in untouched else b for i, b in enumerate(boxes)], len(untouched)


def actor_source(engine: FaceEngine) -> SwapSource:
    image = np.array(astronaut())
    face = engine.detect(image)[0]
    return SwapSource(image=image, face=face, embedding=engine.embed(image, face))


@dataclass
class SwapQualityResult:
    rows: list[tuple[str, str, ClipReport]] = field(default_factory=list)  # case, path, report

    def meets_targets(self, report: ClipReport) -> bool:
        return (
            report.identity_share(IDENTITY_LIMIT) >= IDENTITY_SHARE
            and report.seam <= SEAM_LIMIT
            and (not np.isfinite(report.flicker) or report.flicker <= FLICKER_LIMIT)
            and report.spill <= SPILL_LIMIT
        )

    def lines(self) -> list[str]:
        out = [
            "swap quality (dlib engine; actor: astronaut; targets: identity < 0.6 on >= 90% of swapped frames, "
            "seam <= 1.3x, flicker <= 1.5x original, spill <= 5%)"
        ]
        for case, path, report in self.rows:
            if report.swapped == 0:
                verdict = "left untouched" if report.untouched else "no face"
            else:
                verdict = "met" if self.meets_targets(report) else "NOT met"
            out.append(f"{case:28} {path:6} {report.line()}  [{verdict}]")
        return out


def run_swap_quality_bench(*, clip_frames: int = 24, report: Report = print) -> SwapQualityResult:
    engine = get_engine("dlib")
    source = actor_source(engine)
    result = SwapQualityResult()
    for case in cases(clip_frames=clip_frames):
        for path, run in (("before", run_before), ("after", run_after)):
            report(f"  {case.name}: {path}")
            outputs, boxes, untouched = run(engine, source, case)
            measured = measure(
                engine, originals=case.frames, outputs=outputs, boxes=boxes, actor=source.embedding, untouched=untouched
            )
            result.rows.append((case.name, path, measured))
    return result
