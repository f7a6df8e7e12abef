"""`manage.py face_models selftest`: an operator sees the installed models work, or is told exactly what is wrong.

The installed models here are the tiny ones with insightface's real signatures (tests/tiny_face_models.py),
so the selftest drives the real loaders, onnxruntime and INSwapper code. Their "faces" are white
cells, and their swapper only dims the crop: the selftest must say which of its checks that fails.
Persona: an operator who has just installed the model files.
"""

from __future__ import annotations

import re
import shutil
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from likeness.engines import reset_engines
from likeness.engines.model_files import RECOGNISER, SWAPPER
from likeness.engines.selftest import run_selftest
from tests.tiny_face_models import build_model_dir, person

RED, BLUE, TEAL = (150, 40, 40), (40, 40, 150), (0, 200, 200)


@pytest.fixture
def tiny_models(settings, tmp_path):
    model_dir, pins = build_model_dir(tmp_path)
    settings.FACE_MODEL_DIR = model_dir
    settings.FACE_MODEL_PINS_FILE = str(pins)
    settings.FACE_DET_SIZE = 160
    reset_engines()
    yield model_dir
    reset_engines()


def photo(tmp_path, name: str, image: np.ndarray) -> str:
    path = tmp_path / name
    Image.fromarray(image).save(path)
    return str(path)


def test_it_prints_detection_identity_and_timing_figures_for_each_model(tiny_models, tmp_path):
    out = StringIO()
    actor, target = photo(tmp_path, "actor.png", person(RED)), photo(tmp_path, "target.png", person(BLUE))
    with pytest.raises(CommandError) as failed:
        call_command("face_models", "selftest", "--actor", actor, "--target", target, stdout=out)
    text = out.getvalue()
    assert re.search(r"detection  actor \(160x160\): 1 face\(s\), best score 1\.00, \d+ ms", text)
    assert re.search(r"detection  target \(160x160\): 1 face\(s\), best score 1\.00, \d+ ms", text)
    assert re.search(r"identity   actor vs her mirror image: \d\.\d{3} \(same person under 1\.10\): ok", text)
    assert re.search(r"swap       first swap \(loads the swapper\) in \d+ ms", text)
    # The tiny swapper dims the white cell its detector needs: the selftest says so and fails.
    assert "no face detected in the swapped output" in str(failed.value)


def test_missing_files_are_named_and_nothing_is_loaded(tiny_models, tmp_path):
    (tiny_models / SWAPPER).unlink()
    (tiny_models / RECOGNISER).unlink()
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("face_models", "selftest", stdout=out)
    assert f"{RECOGNISER} (missing)" in str(failed.value)
    assert f"{SWAPPER} (missing)" in str(failed.value)
    assert "loaded" not in out.getvalue()


def test_a_file_that_is_not_the_pinned_one_is_named(tiny_models):
    shutil.copyfile(tiny_models / RECOGNISER, tiny_models / SWAPPER)
    with pytest.raises(CommandError, match=re.escape(f"{SWAPPER} (sha256 differs from the pin)")):
        call_command("face_models", "selftest", stdout=StringIO())


def test_every_check_passes_when_the_models_do_their_job(tiny_models, monkeypatch):
    """With a swapper that works (here: one that pastes the actor's face in), the selftest passes."""
    from likeness.engines.insightface_engine import InsightFaceEngine

    def pasting_swap(self, image, *, target, source):
        return source.image.copy()

    monkeypatch.setattr(InsightFaceEngine, "swap", pasting_swap)
    lines: list[str] = []
    result = run_selftest(
        model_dir=tiny_models,
        det_size=160,
        actor=person(RED),
        target=person(TEAL, cells=[(8, 10)]),
        say=lines.append,
    )
    assert result.ok, result.problems
    assert any(line.startswith("swap       output face to the actor 0.000") for line in lines)
