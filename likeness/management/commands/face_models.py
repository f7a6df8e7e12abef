"""`python manage.py face_models check` and `face_models install --from DIR`: the insightface models.

`check` lists each pinned model under FACE_MODEL_DIR with its sha256 and whether it matches the pin
(exit status 1 if a required one is missing or differs). `install --from DIR` copies the pinned
files found in DIR (by relative path or bare name), verifying each before it is moved into place.
Nothing is ever downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from likeness.engines.base import FaceModelError
from likeness.engines.model_files import REQUIRED, ModelFile, check_model_dir, install_models, unexpected_analysis_files


class Command(BaseCommand):
    help = "Check or install the insightface models (pinned sha256 sums; never downloads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "install"])
        parser.add_argument("--from", dest="source", help="directory holding the model files (install)")

    def handle(self, *args: Any, **options: Any) -> None:
        model_dir = Path(settings.FACE_MODEL_DIR)
        if options["action"] == "install":
            if not options["source"]:
                raise CommandError("install needs --from DIR")
            source = Path(options["source"])
            if not source.is_dir():
                raise CommandError(f"{source} is not a directory")
            try:
                found = install_models(source, model_dir)
            except FaceModelError as exc:
                raise CommandError(str(exc)) from None
        else:
            found = check_model_dir(model_dir)
        self._report(model_dir, found)

    def _report(self, model_dir: Path, found: list[ModelFile]) -> None:
        self.stdout.write(f"model directory: {model_dir}")
        for model in found:
            actual = model.actual_sha256 or "-"
            self.stdout.write(f"{model.status:8} {model.name}  sha256 {actual}  pinned {model.expected_sha256}")
        extra = unexpected_analysis_files(model_dir)
        if extra:
            self.stdout.write(f"unpinned models in analysis/ (remove them): {', '.join(extra)}")
        bad = [m.name for m in found if m.name in REQUIRED and m.status != "ok"]
        if bad or extra:
            raise CommandError(f"the insightface engine cannot start: {', '.join(bad + extra)}")
