"""The insightface engine, driven through insightface's real loaders and onnxruntime.

The tests build tiny ONNX models with the real input/output signatures (tests/tiny_face_models.py)
and pin their sums, so FaceAnalysis routes them exactly as it routes buffalo_l and inswapper_128,
with no download. Personas: an actor enrols with the insightface engine; an impostor follows.
"""

from __future__ import annotations

import json
import shutil
from io import StringIO

import numpy as np
import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from likeness.engines import FaceModelError, SwapSource, get_engine, reset_engines
from likeness.engines.insightface_engine import InsightFaceEngine
from likeness.models import FaceEmbedding, LikenessStatus
from likeness.services import PhotoUpload, likeness_enrol
from tests.factories import make_actor, photo_bytes
from tests.tiny_face_models import build_model_dir, person

RED = (150, 40, 40)


@pytest.fixture
def tiny_models(settings, tmp_path):
    model_dir, pins = build_model_dir(tmp_path)
    settings.FACE_MODEL_DIR = model_dir
    settings.FACE_MODEL_PINS_FILE = str(pins)
    settings.FACE_DET_SIZE = 160
    settings.FACE_ENGINE = "insightface"
    reset_engines()
    yield model_dir
    reset_engines()


def test_insightface_loads_the_models_by_signature_and_detects_each_face(tiny_models):
    from insightface.model_zoo.arcface_onnx import ArcFaceONNX
    from insightface.model_zoo.scrfd import SCRFD

    engine = get_engine()
    assert isinstance(engine, InsightFaceEngine)
    assert isinstance(engine._detector, SCRFD) and isinstance(engine._recogniser, ArcFaceONNX)
    (face,) = engine.detect(person(RED))
    assert face.bbox == pytest.approx((32, 32, 128, 128))
    assert face.landmarks.tolist() == [[64, 68], [96, 68], [80, 84], [68, 100], [92, 100]]
    assert len(engine.detect(person(RED, cells=[(6, 6), (13, 13)]))) == 2
    assert engine.detect(np.zeros((160, 160, 3), dtype=np.uint8)) == []


def test_embeddings_are_normalised_512_vectors_that_follow_the_aligned_face(tiny_models):
    engine = get_engine()
    here, moved, other = person(RED), person(RED, cells=[(8, 10)]), person((40, 40, 150))
    vectors = [engine.embed(image, engine.detect(image)[0]) for image in (here, moved, other)]
    assert all(v.shape == (512,) and v.dtype == np.float32 for v in vectors)
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-5 for v in vectors)
    assert float(np.linalg.norm(vectors[0] - vectors[1])) < 1e-4  # alignment undoes the move
    assert float(np.linalg.norm(vectors[0] - vectors[2])) > 0.5


@pytest.mark.django_db
def test_enrolment_with_insightface_records_the_engine_and_the_pinned_model_hashes(tiny_models):
    actor, impostor = make_actor("actor"), make_actor("impostor")
    photos = [
        PhotoUpload("a.png", photo_bytes(person(RED))),
        PhotoUpload("b.png", photo_bytes(person(RED, cells=[(8, 10)]))),
    ]
    enrolled = likeness_enrol(likeness=actor.likeness, photos=photos, actor=actor.user)
    assert enrolled.status == LikenessStatus.ENROLLED
    pins = json.loads(open(str(tiny_models.parent / "pins.json")).read())
    for row in FaceEmbedding.objects.filter(likeness=actor.likeness):
        assert row.engine == "insightface" and row.dim == 512
        assert row.model_info == {name: pins[name] for name in ("analysis/det_10g.onnx", "analysis/w600k_r50.onnx")}
    frozen = likeness_enrol(likeness=impostor.likeness, photos=photos[:1], actor=impostor.user)
    assert frozen.status == LikenessStatus.FROZEN


def test_the_swapper_runs_through_inswapper_from_its_own_folder(tiny_models):
    engine = get_engine()
    image = person(RED)
    (face,) = engine.detect(image)
    source = SwapSource(image=image, face=face, embedding=engine.embed(image, face))
    swapped = engine.swap(image, target=face, source=source)
    assert swapped.shape == image.shape and swapped.dtype == np.uint8
    x1, y1, x2, y2 = (int(v) for v in face.bbox)
    assert np.abs(swapped[y1:y2, x1:x2].astype(int) - image[y1:y2, x1:x2]).mean() > 5  # the face changed
    assert np.array_equal(swapped[:10, :10], image[:10, :10])  # the rest did not


def test_a_missing_model_is_a_clear_error_and_never_a_download(tiny_models, settings, monkeypatch):
    from insightface.utils import storage

    monkeypatch.setattr(storage, "download_file", lambda *a, **k: pytest.fail("tried to download"), raising=False)
    (tiny_models / "analysis" / "w600k_r50.onnx").unlink()
    with pytest.raises(FaceModelError, match=r"analysis/w600k_r50.onnx is missing"):
        get_engine()
    errors = run_checks(tags=["likeness"])
    assert [e.id for e in errors] == ["likeness.E001"]


def test_a_model_that_is_not_the_pinned_file_is_refused(tiny_models):
    with (tiny_models / "analysis" / "det_10g.onnx").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(FaceModelError, match=r"det_10g.onnx has sha256 [0-9a-f]{64}, pinned"):
        get_engine()


def test_the_real_pins_refuse_the_tiny_models(tiny_models, settings):
    settings.FACE_MODEL_PINS_FILE = None
    with pytest.raises(FaceModelError, match="pinned 5838f7fe"):
        get_engine()


def test_face_models_check_lists_each_model_with_its_sum(tiny_models):
    out = StringIO()
    call_command("face_models", "check", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"model directory: {tiny_models}"
    assert [line.split()[:2] for line in lines[1:]] == [
        ["ok", "analysis/det_10g.onnx"],
        ["ok", "analysis/w600k_r50.onnx"],
        ["ok", "swapper/inswapper_128.onnx"],
    ]
    (tiny_models / "swapper" / "inswapper_128.onnx").unlink()
    (tiny_models / "analysis" / "det_10g.onnx").unlink()
    out = StringIO()
    with pytest.raises(CommandError, match=r"analysis/det_10g\.onnx"):
        call_command("face_models", "check", stdout=out)
    assert "missing  swapper/inswapper_128.onnx" in out.getvalue()


def test_face_models_install_copies_and_verifies(tiny_models, settings, tmp_path):
    source = tmp_path / "downloaded"
    source.mkdir()
    for name in ("analysis/det_10g.onnx", "analysis/w600k_r50.onnx", "swapper/inswapper_128.onnx"):
        shutil.copy(tiny_models / name, source / name.split("/")[1])  # a flat folder, as operators get them
    settings.FACE_MODEL_DIR = tmp_path / "installed"
    out = StringIO()
    call_command("face_models", "install", "--from", str(source), stdout=out)
    assert out.getvalue().count("\nok ") == 3
    assert isinstance(get_engine(), InsightFaceEngine)
    with (source / "det_10g.onnx").open("ab") as handle:
        handle.write(b"x")
    settings.FACE_MODEL_DIR = tmp_path / "again"
    with pytest.raises(CommandError, match="nothing installed"):
        call_command("face_models", "install", "--from", str(source), stdout=StringIO())
    assert not (tmp_path / "again").exists()
