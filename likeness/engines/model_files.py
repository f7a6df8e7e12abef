"""The insightface engine's model files: where they live, their pinned sha256 sums, check and install.

Layout under FACE_MODEL_DIR (the operator's directory; nothing is ever downloaded):

    analysis/det_10g.onnx        SCRFD-10G detector with 5 keypoints (buffalo_l)
    analysis/w600k_r50.onnx      ArcFace ResNet-50 recogniser, 512-d (buffalo_l)
    swapper/inswapper_128.onnx   INSwapper 128 (own folder: beside the detector FaceAnalysis breaks)

The pinned sums are those of the files insightface publishes; an operator with other files (a
licensed commercial build, or the tiny models the tests build) names their own sums in a JSON file
(FACE_MODEL_PINS_FILE: {"analysis/det_10g.onnx": "<sha256>", ...}). These models are licensed for
non-commercial research unless the operator holds a commercial licence; their names and sums are
recorded on every embedding so each use can be traced to the exact file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DETECTOR = "analysis/det_10g.onnx"
RECOGNISER = "analysis/w600k_r50.onnx"
SWAPPER = "swapper/inswapper_128.onnx"
ANALYSIS_DIR = "analysis"

DEFAULT_PINS: dict[str, str] = {
    DETECTOR: "5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91",
    RECOGNISER: "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",
    SWAPPER: "e4a3f08c753cb72d04e10aa0f7dbe3deebbf39567d4ead6dce08e98aa49e16af",
}
REQUIRED = (DETECTOR, RECOGNISER)


def pinned_sums() -> dict[str, str]:
    path = settings.FACE_MODEL_PINS_FILE
    if path is None:
        return dict(DEFAULT_PINS)
    try:
        pins = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"FACE_MODEL_PINS_FILE {path}: {exc}") from None
    if not isinstance(pins, dict) or set(pins) != set(DEFAULT_PINS):
        raise ImproperlyConfigured(f"FACE_MODEL_PINS_FILE {path} must pin exactly {sorted(DEFAULT_PINS)}")
    return {str(k): str(v).lower() for k, v in pins.items()}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelFile:
    name: str  # path relative to the model directory
    expected_sha256: str
    actual_sha256: str | None  # None when the file is missing

    @property
    def status(self) -> str:
        if self.actual_sha256 is None:
            return "missing"
        return "ok" if self.actual_sha256 == self.expected_sha256 else "mismatch"


def check_model_dir(model_dir: Path) -> list[ModelFile]:
    found = []
    for name, expected in pinned_sums().items():
        path = model_dir / name
        found.append(ModelFile(name, expected, sha256_of(path) if path.is_file() else None))
    return found


def unexpected_analysis_files(model_dir: Path) -> list[str]:
    """ONNX files in analysis/ that are not pinned: FaceAnalysis would route and load them too."""
    folder = model_dir / ANALYSIS_DIR
    if not folder.is_dir():
        return []
    pinned = {Path(name).name for name in REQUIRED}
    return sorted(p.name for p in folder.glob("*.onnx") if p.name not in pinned)


def require_models(model_dir: Path, names: tuple[str, ...] = REQUIRED) -> dict[str, str]:
    """Name -> sha256 of the required models, or FaceModelError saying exactly what is wrong."""
    from likeness.engines.base import FaceModelError

    if not model_dir.is_dir():
        raise FaceModelError(
            f"FACE_MODEL_DIR {model_dir} does not exist; install the models with "
            "`python manage.py face_models install --from DIR`"
        )
    problems, sums = [], {}
    for model in check_model_dir(model_dir):
        if model.name not in names:
            continue
        if model.status == "missing":
            problems.append(f"{model.name} is missing")
        elif model.status == "mismatch":
            problems.append(f"{model.name} has sha256 {model.actual_sha256}, pinned {model.expected_sha256}")
        else:
            sums[model.name] = model.expected_sha256
    extra = unexpected_analysis_files(model_dir)
    if extra and any(name.startswith(ANALYSIS_DIR) for name in names):
        problems.append(f"{ANALYSIS_DIR}/ holds unpinned models {extra}; remove them")
    if problems:
        raise FaceModelError(f"face models in {model_dir} are not usable: " + "; ".join(problems))
    return sums


def install_models(source: Path, model_dir: Path) -> list[ModelFile]:
    """Copy the pinned models found in `source` (by relative path or bare file name) into `model_dir`.

    Each file is verified before it is moved into place; a file whose sum differs is refused and
    nothing of it is left behind. Returns what `model_dir` holds afterwards.
    """
    from likeness.engines.base import FaceModelError

    pins = pinned_sums()
    plan: list[tuple[str, Path]] = []
    for name, expected in pins.items():
        candidates = [source / name, source / Path(name).name]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            continue
        actual = sha256_of(found)
        if actual != expected:
            raise FaceModelError(f"{found} has sha256 {actual}, pinned {expected} for {name}; nothing installed")
        plan.append((name, found))
    if not plan:
        raise FaceModelError(f"{source} holds none of the pinned models {sorted(pins)}")
    for name, found in plan:
        target = model_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(found, partial)
        if sha256_of(partial) != pins[name]:
            partial.unlink()
            raise FaceModelError(f"copy of {found} did not verify")
        os.replace(partial, target)
    return check_model_dir(model_dir)
