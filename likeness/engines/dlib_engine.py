"""The offline face engine: dlib's HOG detector, 5-point landmarker and 128-d ResNet embedding.

The models come with the `face_recognition_models` package (no download). Only the 5-point
landmark model and the embedding model are used, both public domain; the package's 68-point model
is licensed for non-commercial use only and is never loaded. dlib's 5 points are two corners of
each eye and the base of the nose; the interface's mouth corners are placed from them through the
ArcFace template by a similarity fit (they serve alignment, not measurement).
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

import cv2
import dlib
import face_recognition_models
import numpy as np

from likeness.engines.base import DetectedFace, FaceEngine, SwapSource, check_image, normalise
from likeness.engines.landmarks import TEMPLATE_112, apply, similarity_fit

LANDMARK_MODEL = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
DETECTOR = "hog_frontal_face_detector"
# dlib's HOG scores: > 0 is its own decision boundary; small positive scores are often false
# (on skimage's astronaut, a shoulder patch scores 0.12 while the face scores 1.16).
MIN_DETECTION_SCORE = 0.3
# Between detections a face is looked for again in a window around its last box, scaled so that
# the box is this wide: above the HOG window's 80 pixels, so no upsampling is needed.
REFIT_BOX_PIXELS = 100


@lru_cache(maxsize=8)
def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DlibEngine(FaceEngine):
    name = "dlib"
    embedding_dim = 128
    # dlib's documented same-person tolerance is 0.6 on raw descriptors (norm about 1.45); 0.4 on
    # normalised ones is about 0.58 raw. A rescaled or mirrored copy of one face measures 0.11-0.13.
    match_distance = 0.4

    def __init__(self, *, upsample: int = 1) -> None:
        self.upsample = upsample
        self._landmark_path = Path(face_recognition_models.pose_predictor_five_point_model_location())
        self._embedding_path = Path(face_recognition_models.face_recognition_model_location())
        if self._landmark_path.name != LANDMARK_MODEL or self._embedding_path.name != EMBEDDING_MODEL:
            raise RuntimeError("face_recognition_models returned unexpected model files")
        self._detector = dlib.get_frontal_face_detector()
        self._landmarker = dlib.shape_predictor(str(self._landmark_path))
        self._embedder = dlib.face_recognition_model_v1(str(self._embedding_path))
        # dlib's objects are not documented as thread-safe; one call at a time per process.
        self._lock = threading.Lock()

    def model_info(self) -> dict[str, str]:
        return {
            DETECTOR: f"builtin:dlib-{dlib.__version__}",
            LANDMARK_MODEL: file_sha256(str(self._landmark_path)),
            EMBEDDING_MODEL: file_sha256(str(self._embedding_path)),
        }

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        check_image(image)
        image = np.ascontiguousarray(image)
        with self._lock:
            rects, scores, _ = self._detector.run(image, self.upsample, 0.0)
            faces = []
            for rect, score in zip(rects, scores, strict=True):
                if score < MIN_DETECTION_SCORE:
                    continue
                shape = self._landmarker(image, rect)
                faces.append(
                    DetectedFace(
                        bbox=(float(rect.left()), float(rect.top()), float(rect.right()), float(rect.bottom())),
                        landmarks=five_points(np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)),
                        score=float(score),
                    )
                )
        return sorted(faces, key=lambda face: -face.score)

    def detect_scaled(self, image: np.ndarray, *, max_side: int | None) -> list[DetectedFace]:
        """HOG on a copy shrunk to `max_side`, landmarks on the full-size image (so they lose nothing).

        The HOG window is 80 pixels, halved by the one upsampling: on a 1280x720 frame shrunk to 640
        pixels a face down to about 80 pixels wide is found, at a quarter of the full-size cost.
        """
        check_image(image)
        longest = max(image.shape[:2])
        if max_side is None or longest <= max_side:
            return self.detect(image)
        scale = max_side / longest
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        image = np.ascontiguousarray(image)
        with self._lock:
            rects, scores, _ = self._detector.run(small, self.upsample, 0.0)
            faces = []
            for rect, score in zip(rects, scores, strict=True):
                if score < MIN_DETECTION_SCORE:
                    continue
                box = (rect.left() / scale, rect.top() / scale, rect.right() / scale, rect.bottom() / scale)
                faces.append(self._fit(image, box, score=float(score)))
        return sorted(faces, key=lambda face: -face.score)

    def refit(self, image: np.ndarray, face: DetectedFace) -> DetectedFace | None:
        """The detector in a window around the face's last box (twice its size), then the landmarks.

        The window is scaled so that the box is REFIT_BOX_PIXELS wide (a 200x200 search, a few ms
        where the whole frame takes hundreds), which finds the face moved by up to half its width or
        grown or shrunk by a good margin since the last frame. None when no face is in the window.
        """
        check_image(image)
        image = np.ascontiguousarray(image)
        height, width = image.shape[:2]
        size = max(face.width, face.height, 1.0)
        cx, cy = (face.bbox[0] + face.bbox[2]) / 2, (face.bbox[1] + face.bbox[3]) / 2
        x0, y0 = max(0, int(cx - size)), max(0, int(cy - size))
        x1, y1 = min(width, int(cx + size) + 1), min(height, int(cy + size) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        scale = REFIT_BOX_PIXELS / size
        window = cv2.resize(image[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        with self._lock:
            rects, scores, _ = self._detector.run(np.ascontiguousarray(window), 0, 0.0)
            found = [(rect, score) for rect, score in zip(rects, scores, strict=True) if score >= MIN_DETECTION_SCORE]
            if not found:
                return None
            rect, score = min(
                found,
                key=lambda pair: abs(x0 + pair[0].center().x / scale - cx) + abs(y0 + pair[0].center().y / scale - cy),
            )
            box = (
                x0 + rect.left() / scale,
                y0 + rect.top() / scale,
                x0 + rect.right() / scale,
                y0 + rect.bottom() / scale,
            )
            return self._fit(image, box, score=float(score))

    def _fit(self, image: np.ndarray, box: tuple[float, float, float, float], *, score: float) -> DetectedFace:
        """The five landmarks inside `box` (the caller holds the lock)."""
        x1, y1, x2, y2 = (round(v) for v in box)
        shape = self._landmarker(image, dlib.rectangle(x1, y1, x2, y2))
        return DetectedFace(
            bbox=(float(x1), float(y1), float(x2), float(y2)),
            landmarks=five_points(np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)),
            score=score,
        )

    def embed(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        check_image(image)
        image = np.ascontiguousarray(image)
        x1, y1, x2, y2 = (round(v) for v in face.bbox)
        with self._lock:
            shape = self._landmarker(image, dlib.rectangle(x1, y1, x2, y2))
            descriptor = self._embedder.compute_face_descriptor(image, shape)
        return normalise(np.array(descriptor, dtype=np.float32))

    def swap(self, image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
        """The offline swap: five-point alignment, colour match and blend (see warp_swap.py)."""
        from likeness.engines.warp_swap import warp_swap

        return warp_swap(image, target=target, source=source)

    def swap_refusal(self, *, target: DetectedFace, source: SwapSource) -> str | None:
        """A frontal reference photo cannot cover a turned, tilted or tiny target (see warp_swap.py)."""
        from likeness.engines.warp_swap import pose_refusal

        return pose_refusal(target, source.face)


def five_points(dlib_points: np.ndarray) -> np.ndarray:
    """dlib's 5 points (image-right eye corners, image-left eye corners, nose base) in the interface's order."""
    right_eye = dlib_points[0:2].mean(axis=0)
    left_eye = dlib_points[2:4].mean(axis=0)
    nose = dlib_points[4]
    # dlib's point is the base of the nose, a little below the template's nose tip.
    template_nose_base = TEMPLATE_112[2] + np.array([0.0, 4.0])
    fit = similarity_fit(
        np.stack([TEMPLATE_112[0], TEMPLATE_112[1], template_nose_base]), np.stack([left_eye, right_eye, nose])
    )
    mouth = apply(fit, TEMPLATE_112[3:5])
    return np.vstack([left_eye, right_eye, nose, mouth]).astype(np.float32)
