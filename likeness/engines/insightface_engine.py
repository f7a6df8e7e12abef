"""The ONNX face engine: SCRFD detection, ArcFace embedding and INSwapper, through insightface.

Models are loaded with insightface's own loaders and onnxruntime from FACE_MODEL_DIR (see
model_files.py), after their sha256 sums are checked against the pins. `FaceAnalysis` is given the
absolute path of an existing folder, which is the one way it never downloads; its router picks each
model by its input/output signature. The swapper is loaded from its own folder on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from likeness.engines.base import DetectedFace, FaceEngine, FaceModelError, SwapSource, check_image, normalise
from likeness.engines.model_files import ANALYSIS_DIR, SWAPPER, require_models

PROVIDERS = ["CPUExecutionProvider"]


class InsightFaceEngine(FaceEngine):
    name = "insightface"
    embedding_dim = 512
    # ArcFace: cosine similarity above about 0.4 is the same person; for unit vectors
    # distance = sqrt(2 - 2 * similarity), so 1.1 is a similarity of about 0.395.
    match_distance = 1.1

    def __init__(self, *, model_dir: Path, det_size: int, det_threshold: float = 0.5) -> None:
        from insightface.app import FaceAnalysis

        self.model_dir = model_dir.resolve()
        self._sums = require_models(self.model_dir)
        analysis = self.model_dir / ANALYSIS_DIR
        try:
            app = FaceAnalysis(name=str(analysis), allowed_modules=["detection", "recognition"], providers=PROVIDERS)
        except AssertionError:
            raise FaceModelError(f"{analysis} holds no detector insightface recognises") from None
        if "recognition" not in app.models:
            raise FaceModelError(f"{analysis} holds no recogniser insightface recognises")
        app.prepare(ctx_id=-1, det_thresh=det_threshold, det_size=(det_size, det_size))
        self._app = app
        self._detector = app.det_model
        self._recogniser = app.models["recognition"]
        self._swapper: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> InsightFaceEngine:
        return cls(model_dir=Path(settings.FACE_MODEL_DIR), det_size=settings.FACE_DET_SIZE)

    def model_info(self) -> dict[str, str]:
        return dict(self._sums)

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        check_image(image)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        bboxes, kpss = self._detector.detect(bgr, max_num=0)
        faces = []
        for i in range(bboxes.shape[0]):
            x1, y1, x2, y2, score = (float(v) for v in bboxes[i])
            if kpss is None:
                raise FaceModelError("the detector gives no keypoints; a 5-keypoint SCRFD model is required")
            faces.append(DetectedFace(bbox=(x1, y1, x2, y2), landmarks=kpss[i].astype(np.float32), score=score))
        return sorted(faces, key=lambda face: -face.score)

    def embed(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        check_image(image)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        return normalise(self._recogniser.get(bgr, _as_insightface(face)))

    def _loaded_swapper(self) -> Any:
        with self._lock:
            if self._swapper is None:
                sums = require_models(self.model_dir, (SWAPPER,))
                from insightface.model_zoo import get_model
                from insightface.model_zoo.inswapper import INSwapper

                swapper = get_model(str(self.model_dir / SWAPPER), providers=PROVIDERS)
                if not isinstance(swapper, INSwapper):
                    raise FaceModelError(f"{SWAPPER} is not a swapper insightface recognises")
                self._sums.update(sums)
                self._swapper = swapper
            return self._swapper

    def swap(self, image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
        check_image(image)
        swapper = self._loaded_swapper()
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        source_face = _as_insightface(source.face)
        source_face.embedding = np.asarray(source.embedding, dtype=np.float32)
        result = swapper.get(bgr, _as_insightface(target), source_face, paste_back=True)
        return np.ascontiguousarray(np.asarray(result, dtype=np.uint8)[:, :, ::-1])


def _as_insightface(face: DetectedFace) -> Any:
    from insightface.app.common import Face

    return Face(bbox=np.array(face.bbox, dtype=np.float32), kps=np.asarray(face.landmarks), det_score=face.score)
