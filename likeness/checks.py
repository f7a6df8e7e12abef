"""System checks: a configured insightface engine whose models are missing or wrong stops start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from likeness.engines.base import FaceModelError
from likeness.engines.model_files import require_models


@register("likeness")
def face_models_present(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.FACE_ENGINE != "insightface":
        return []
    try:
        require_models(Path(settings.FACE_MODEL_DIR))
    except FaceModelError as exc:
        return [Error(str(exc), hint="python manage.py face_models install --from DIR", id="likeness.E001")]
    return []
