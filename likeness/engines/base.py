"""The one small interface every face engine implements, and how the configured one is chosen.

Images are RGB uint8 arrays of shape (H, W, 3). Landmarks are five points, as a (5, 2) float array
in image pixels, in this order: left eye, right eye, nose, left mouth corner, right mouth corner
("left" as seen in the image). Embeddings are L2-normalised float32 vectors, so two faces are
compared by the Euclidean distance of their embeddings, and each engine says below which distance
two faces are the same person (`match_distance`).

Engines are built lazily and cached per process: loading models is slow, and a missing or wrong
model is reported as FaceModelError when the engine is first asked for (at start-up through the
system check in likeness/checks.py, or when a job first needs it), never by downloading anything.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class FaceModelError(ImproperlyConfigured):
    """A face model is missing, unreadable or not the pinned file."""


@dataclass(frozen=True)
class DetectedFace:
    bbox: tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels
    landmarks: np.ndarray  # (5, 2) float32: left eye, right eye, nose, left mouth, right mouth
    score: float

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass(frozen=True)
class SwapSource:
    """The identity to put into a target face: a reference photo, its face and its embedding."""

    image: np.ndarray
    face: DetectedFace
    embedding: np.ndarray


class FaceEngine(abc.ABC):
    name: str
    embedding_dim: int
    # Euclidean distance between two L2-normalised embeddings below which they are the same person.
    match_distance: float

    @abc.abstractmethod
    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        """Every face found in an RGB uint8 image, best score first."""

    def detect_scaled(self, image: np.ndarray, *, max_side: int | None) -> list[DetectedFace]:
        """`detect`, allowed to search a copy shrunk to `max_side` pixels on its longer side (None: full size).

        Results are in `image`'s pixels. The default searches the image as it is; an engine whose
        detector's cost grows with the picture (dlib's HOG) shrinks it first.
        """
        return self.detect(image)

    def refit(self, image: np.ndarray, face: DetectedFace) -> DetectedFace | None:
        """The face of the previous frame found again near where it was, far cheaper than `detect`.

        For following a face between detections in a video; None when this engine cannot, or when
        the face is no longer there (the caller then runs the detector on the whole frame).
        """
        return None

    @abc.abstractmethod
    def embed(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        """The L2-normalised float32 embedding of `face` in `image`."""

    @abc.abstractmethod
    def model_info(self) -> dict[str, str]:
        """Model name -> sha256 (or a builtin's version) of every model this engine uses."""

    def swap(self, image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
        """`image` with the face `target` replaced by `source`'s identity (render issue)."""
        raise NotImplementedError(f"the {self.name} engine does not swap faces yet")

    def swap_refusal(self, *, target: DetectedFace, source: SwapSource) -> str | None:
        """Why this engine would paste `source` wrongly onto `target` (e.g. "yaw"), or None to swap.

        A face refused here is left untouched and counted by the renderer, never pasted wrong.
        """
        return None


def normalise(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValueError("cannot normalise a zero or non-finite embedding")
    return (vector / norm).astype(np.float32)


def check_image(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")


EngineFactory = Callable[[], FaceEngine]


def _dlib_factory() -> FaceEngine:
    from likeness.engines.dlib_engine import DlibEngine

    return DlibEngine()


def _insightface_factory() -> FaceEngine:
    from likeness.engines.insightface_engine import InsightFaceEngine

    return InsightFaceEngine.from_settings()


_factories: dict[str, EngineFactory] = {"dlib": _dlib_factory, "insightface": _insightface_factory}
_engines: dict[str, FaceEngine] = {}
_lock = threading.Lock()


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make another engine available by name (tests register scripted ones)."""
    with _lock:
        _factories[name] = factory
        _engines.pop(name, None)


def reset_engines() -> None:
    """Forget built engines, so the next call reloads models (after settings change)."""
    with _lock:
        _engines.clear()


def get_engine(name: str | None = None) -> FaceEngine:
    name = name or settings.FACE_ENGINE
    with _lock:
        engine = _engines.get(name)
        if engine is None:
            factory = _factories.get(name)
            if factory is None:
                raise ImproperlyConfigured(f"unknown face engine {name!r}; known: {sorted(_factories)}")
            engine = _engines[name] = factory()
        return engine
