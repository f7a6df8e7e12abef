"""`python manage.py face_models check|install|selftest`: the insightface models.

`selftest` runs the installed models (SCRFD, ArcFace, INSwapper) on sample faces and prints
detection, identity and timing figures (likeness/engines/selftest.py); by default the samples are
the bundled public-domain photos, `--actor` and `--target` name others. It exits non-zero naming the
missing files, or the check that failed. `check` lists each pinned model under FACE_MODEL_DIR with
its sha256 and whether it matches the pin (exit status 1 if a required one is missing or differs).
`install --from DIR` copies the pinned files found in DIR (by relative path or bare name),
verifying each before it is moved into place. Nothing is ever downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from PIL import Image

from likeness.engines.base import FaceModelError
from likeness.engines.model_files import REQUIRED, ModelFile, check_model_dir, install_models, unexpected_analysis_files


class Command(BaseCommand):
    help = "Check or install the insightface models (pinned sha256 sums; never downloads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "install", "selftest"])
        parser.add_argument("--from", dest="source", help="directory holding the model files (install)")
        parser.add_argument("--actor", help="selftest: photo of the identity to put in (default: the astronaut)")
        parser.add_argument("--target", help="selftest: photo whose face is replaced (default: Grace Hopper)")

    def handle(self, *args: Any, **options: Any) -> None:
        model_dir = Path(settings.FACE_MODEL_DIR)
        if options["action"] == "selftest":
            self._selftest(model_dir, options)
            return
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

    def _selftest(self, model_dir: Path, options: dict[str, Any]) -> None:
        from likeness.engines.selftest import run_selftest, sample_actor, sample_target

        try:
            actor = _photo(options["actor"]) if options["actor"] else sample_actor()
            target = _photo(options["target"]) if options["target"] else sample_target()
        except OSError as exc:
            raise CommandError(f"cannot read the photo: {exc}") from None
        self.stdout.write(f"selftest of the insightface models in {model_dir}")
        result = run_selftest(
            model_dir=model_dir, det_size=settings.FACE_DET_SIZE, actor=actor, target=target, say=self.stdout.write
        )
        if not result.ok:
            raise CommandError("selftest failed: " + "; ".join(result.problems))
        self.stdout.write("selftest passed: the models detect, recognise and swap")


def _photo(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).copy()
