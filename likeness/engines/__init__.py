"""Face engines: detection with 5-point landmarks, embeddings, and (later) swapping.

`get_engine()` returns the engine named by settings.FACE_ENGINE (default "dlib", the offline
embedded engine); `get_engine("insightface")` the ONNX engine loaded from FACE_MODEL_DIR.
"""

from __future__ import annotations

from likeness.engines.base import (
    DetectedFace,
    FaceEngine,
    FaceModelError,
    SwapSource,
    get_engine,
    register_engine,
    reset_engines,
)

__all__ = [
    "DetectedFace",
    "FaceEngine",
    "FaceModelError",
    "SwapSource",
    "get_engine",
    "register_engine",
    "reset_engines",
]
