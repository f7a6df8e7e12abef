"""Tiny ONNX models with insightface's real signatures: the builder lives in likeness/engines/tiny_models.py
(the render benchmark uses it too); the tests import it from here."""

from __future__ import annotations

from likeness.engines.tiny_models import build_detector, build_model_dir, build_recogniser, build_swapper, person

__all__ = ["build_detector", "build_model_dir", "build_recogniser", "build_swapper", "person"]
