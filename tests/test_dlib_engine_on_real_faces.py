"""The offline dlib engine on a real face (skimage's astronaut), transformed copies, and non-faces."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data

from likeness.engines import get_engine
from likeness.engines.dlib_engine import EMBEDDING_MODEL, LANDMARK_MODEL


@pytest.fixture(scope="module")
def engine():
    return get_engine("dlib")


def test_it_finds_the_one_face_in_the_astronaut_photo_with_five_landmarks_in_order(engine):
    faces = engine.detect(data.astronaut())
    assert len(faces) == 1
    face = faces[0]
    x1, y1, x2, y2 = face.bbox
    assert 150 < x1 < x2 < 290 and 50 < y1 < y2 < 190
    left_eye, right_eye, nose, left_mouth, right_mouth = face.landmarks
    assert face.landmarks.shape == (5, 2)
    assert left_eye[0] < right_eye[0]  # image-left eye first
    assert nose[1] > max(left_eye[1], right_eye[1])  # nose below the eyes
    assert left_mouth[1] > nose[1] and right_mouth[1] > nose[1] and left_mouth[0] < right_mouth[0]
    assert all(x1 - 5 <= x <= x2 + 5 and y1 - 5 <= y <= y2 + 5 for x, y in face.landmarks)


def test_mirrored_and_rescaled_copies_embed_as_the_same_person(engine):
    image = data.astronaut()
    copies = [image, np.ascontiguousarray(image[:, ::-1]), np.asarray(Image.fromarray(image).resize((300, 300)))]
    embeddings = []
    for copy in copies:
        (face,) = engine.detect(copy)
        vector = engine.embed(copy, face)
        assert vector.dtype == np.float32 and vector.shape == (128,)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        embeddings.append(vector)
    for other in embeddings[1:]:
        assert float(np.linalg.norm(embeddings[0] - other)) < engine.match_distance / 2


def test_it_finds_no_face_in_photos_without_one(engine):
    assert engine.detect(data.coffee()) == []
    assert engine.detect(np.zeros((200, 200, 3), dtype=np.uint8)) == []


def test_it_finds_both_faces_when_two_people_are_side_by_side(engine):
    image = data.astronaut()
    pair = np.hstack([image, np.ascontiguousarray(image[:, ::-1])])
    assert len(engine.detect(pair)) == 2


def test_it_records_the_hashes_of_the_public_domain_models_and_never_the_68_point_one(engine):
    info = engine.model_info()
    assert set(info) == {"hog_frontal_face_detector", LANDMARK_MODEL, EMBEDDING_MODEL}
    assert all(len(info[name]) == 64 for name in (LANDMARK_MODEL, EMBEDDING_MODEL))
    assert not any("68" in name for name in info)


def test_it_refuses_images_that_are_not_rgb_uint8(engine):
    with pytest.raises(ValueError, match="RGB uint8"):
        engine.detect(np.zeros((10, 10), dtype=np.uint8))
