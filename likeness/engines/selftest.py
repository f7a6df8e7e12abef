"""The insightface models at work on sample faces, before the first render: `manage.py face_models selftest`.

It loads the installed models (SCRFD detector, ArcFace recogniser, INSwapper) from FACE_MODEL_DIR
exactly as the engine does, after the sha256 check, then on an actor photo and a target photo (by
default the bundled public-domain samples: skimage's astronaut and matplotlib's Grace Hopper):

- detection: faces found in each, best score, time;
- identity: the actor against her mirror image (the same person: under the engine's match
  distance) and against the target (different people: over it), time per embedding;
- swap: the target with the actor's identity, time, and the output face's distance to the actor
  and to the original (the swap works when it moved towards the actor).

Every figure is printed; a check that fails is named, and the run fails. Nothing is downloaded: a
missing or mismatched file is reported by name before anything is loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from likeness.engines.base import DetectedFace, FaceEngine, FaceModelError, SwapSource
from likeness.engines.model_files import check_model_dir

Say = Callable[[str], object]


@dataclass
class SelftestResult:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sample_actor() -> np.ndarray:
    """skimage's public-domain astronaut photo (Eileen Collins, NASA), shipped with scikit-image."""
    from skimage import data

    return np.array(data.astronaut())


def sample_target() -> np.ndarray:
    """Grace Hopper's public-domain US Navy portrait, shipped with matplotlib as sample data."""
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return np.array(image.convert("RGB"))


def missing_models(model_dir: Path) -> list[str]:
    """'name (missing)' or 'name (sha256 differs from the pin)' for each pinned file not usable, swapper included."""
    return [
        f"{m.name} ({'missing' if m.status == 'missing' else 'sha256 differs from the pin'})"
        for m in check_model_dir(model_dir)
        if m.status != "ok"
    ]


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _best(faces: list[DetectedFace]) -> DetectedFace | None:
    return max(faces, key=lambda face: face.score, default=None)


def run_selftest(*, model_dir: Path, det_size: int, actor: np.ndarray, target: np.ndarray, say: Say) -> SelftestResult:
    from likeness.engines.insightface_engine import InsightFaceEngine

    result = SelftestResult()
    missing = missing_models(model_dir)
    if missing:
        result.problems.append("model files not usable: " + ", ".join(missing))
        return result
    started = time.perf_counter()
    try:
        engine = InsightFaceEngine(model_dir=model_dir, det_size=det_size)
    except FaceModelError as exc:
        result.problems.append(str(exc))
        return result
    say(f"loaded detector and recogniser in {_ms(started)} (det size {det_size})")
    found = _detection(engine, {"actor": actor, "target": target}, result, say)
    if len(found) == 2:
        vectors = _identity(engine, actor=actor, target=target, found=found, result=result, say=say)
        _swap(engine, actor=actor, target=target, found=found, vectors=vectors, result=result, say=say)
    return result


def _detection(
    engine: FaceEngine, images: dict[str, np.ndarray], result: SelftestResult, say: Say
) -> dict[str, DetectedFace]:
    found: dict[str, DetectedFace] = {}
    for name, image in images.items():
        started = time.perf_counter()
        faces = engine.detect(image)
        best = _best(faces)
        height, width = image.shape[:2]
        score = f", best score {best.score:.2f}" if best else ""
        say(f"detection  {name} ({width}x{height}): {len(faces)} face(s){score}, {_ms(started)}")
        if best is None:
            result.problems.append(f"no face detected in the {name} photo")
        else:
            found[name] = best
    return found


def _identity(
    engine: FaceEngine,
    *,
    actor: np.ndarray,
    target: np.ndarray,
    found: dict[str, DetectedFace],
    result: SelftestResult,
    say: Say,
) -> tuple[np.ndarray, np.ndarray]:
    limit = engine.match_distance
    started = time.perf_counter()
    actor_vector = engine.embed(actor, found["actor"])
    say(f"identity   one embedding in {_ms(started)} ({actor_vector.shape[0]}-d)")
    mirror = np.ascontiguousarray(actor[:, ::-1])
    mirror_face = _best(engine.detect(mirror))
    if mirror_face is None:
        result.problems.append("no face detected in the actor's mirror image")
    else:
        same = float(np.linalg.norm(engine.embed(mirror, mirror_face) - actor_vector))
        say(
            f"identity   actor vs her mirror image: {same:.3f} "
            f"(same person under {limit:.2f}): {_verdict(same < limit)}"
        )
        if same >= limit:
            result.problems.append(f"the actor and her mirror image measure {same:.3f}, not under {limit:.2f}")
    target_vector = engine.embed(target, found["target"])
    other = float(np.linalg.norm(target_vector - actor_vector))
    say(
        f"identity   actor vs target: {other:.3f} (different people at or over {limit:.2f}): {_verdict(other >= limit)}"
    )
    if other < limit:
        result.problems.append(f"the actor and the target measure {other:.3f}, under {limit:.2f}")
    return actor_vector, target_vector


def _swap(
    engine: FaceEngine,
    *,
    actor: np.ndarray,
    target: np.ndarray,
    found: dict[str, DetectedFace],
    vectors: tuple[np.ndarray, np.ndarray],
    result: SelftestResult,
    say: Say,
) -> None:
    actor_vector, target_vector = vectors
    source = SwapSource(image=actor, face=found["actor"], embedding=actor_vector)
    try:
        started = time.perf_counter()
        engine.swap(target, target=found["target"], source=source)
        say(f"swap       first swap (loads the swapper) in {_ms(started)}")
        started = time.perf_counter()
        output = engine.swap(target, target=found["target"], source=source)
        say(f"swap       next swap in {_ms(started)}")
    except FaceModelError as exc:
        result.problems.append(str(exc))
        return
    swapped_face = _best(engine.detect(output))
    if swapped_face is None:
        result.problems.append("no face detected in the swapped output")
        return
    swapped_vector = engine.embed(output, swapped_face)
    to_actor = float(np.linalg.norm(swapped_vector - actor_vector))
    to_original = float(np.linalg.norm(swapped_vector - target_vector))
    before = float(np.linalg.norm(target_vector - actor_vector))
    say(
        f"swap       output face to the actor {to_actor:.3f} (was {before:.3f}), "
        f"to the original {to_original:.3f}: {_verdict(to_actor < before)}"
    )
    if to_actor >= before:
        result.problems.append(f"the swapped face is no nearer the actor ({to_actor:.3f}, was {before:.3f})")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "FAILED"
