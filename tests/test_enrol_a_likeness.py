"""Enrolment: an owner uploads 1-5 photos of their own face; each must hold one large frontal face.

Personas: an actor (owner of a draft likeness) enrols it; an outsider with a token sees a 404 for
the actor's likeness. Photos are skimage's astronaut (a real face) and transformations of it.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data

from audit.models import AuditEntry
from likeness.models import FaceEmbedding, LikenessKey, LikenessStatus, ReferencePhoto
from tests.factories import astronaut, astronaut_photos, make_actor, make_persona, photo_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def enrol(actor, *files):
    return actor.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/", {"photos": list(files)}, format="multipart"
    )


def test_an_actor_enrols_three_photos_of_their_face_and_the_likeness_becomes_enrolled(isolated_media):
    actor = make_actor()
    response = enrol(actor, *[upload(p.name, p.data) for p in astronaut_photos()])
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "enrolled" and response.json()["reference_photos"] == 3
    photos = list(ReferencePhoto.objects.filter(likeness=actor.likeness))
    assert [p.position for p in photos] == [0, 1, 2]
    for photo in photos:
        stored = (isolated_media / photo.storage_name).read_bytes()
        assert not stored.startswith(b"\x89PNG") and b"IHDR" not in stored  # encrypted, not a picture
    embeddings = FaceEmbedding.objects.filter(likeness=actor.likeness)
    assert {e.engine for e in embeddings} == {"dlib"} and {e.dim for e in embeddings} == {128}
    assert all("dlib_face_recognition_resnet_model_v1.dat" in e.model_info for e in embeddings)
    assert LikenessKey.objects.get(likeness=actor.likeness).key_ref == f"file:{actor.likeness.pk}"
    entry = AuditEntry.objects.get(action="likeness.enrolled", target_id=str(actor.likeness.pk))
    assert entry.data["photos"] == 3 and entry.data["engine"] == "dlib"
    assert set(entry.data) == {"photos", "engine", "models"}  # nothing biometric in the trail


def test_a_photo_without_a_face_is_refused_by_name():
    actor = make_actor()
    good = astronaut_photos()[0]
    response = enrol(actor, upload(good.name, good.data), upload("cup.png", photo_bytes(data.coffee())))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "no_face"
    assert error["detail"] == {"photo": "cup.png", "index": 1, "reason": "no_face"}
    assert "cup.png" in error["message"]
    actor.likeness.refresh_from_db()
    assert actor.likeness.status == LikenessStatus.DRAFT and not ReferencePhoto.objects.exists()


def test_a_photo_with_two_faces_is_refused():
    actor = make_actor()
    image = astronaut()
    pair = np.hstack([image, np.ascontiguousarray(image[:, ::-1])])
    response = enrol(actor, upload("friends.png", photo_bytes(pair)))
    assert response.status_code == 400 and response.json()["error"]["code"] == "several_faces"


def test_a_face_too_small_is_refused():
    actor = make_actor()
    small = np.asarray(Image.fromarray(astronaut()).resize((256, 256)))  # the face becomes about 45 px
    response = enrol(actor, upload("far.png", photo_bytes(small)))
    assert response.status_code == 400 and response.json()["error"]["code"] == "face_too_small"


def test_an_unreadable_file_and_a_gif_are_refused():
    actor = make_actor()
    response = enrol(actor, upload("broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "unreadable_image"
    gif = io.BytesIO()
    Image.fromarray(astronaut()).save(gif, format="GIF")
    response = enrol(actor, upload("moving.gif", gif.getvalue(), "image/gif"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "unsupported_image_type"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(settings):
    settings.LIKENESS_PHOTO_MAX_PIXELS = 100_000
    actor = make_actor()
    bomb = photo_bytes(np.zeros((2000, 2000, 3), dtype=np.uint8))  # 4 Mpx of zeros compress to a few KB
    assert len(bomb) < 50_000
    response = enrol(actor, upload("bomb.png", bomb))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_too_large"
    assert "2000x2000" in response.json()["error"]["message"]


def test_a_file_over_the_byte_limit_is_refused(settings):
    settings.LIKENESS_PHOTO_MAX_BYTES = 10_000
    actor = make_actor()
    response = enrol(actor, upload("front.png", astronaut_photos()[0].data))
    # Cut off as it streams in, before it is spooled or read into memory.
    assert response.status_code == 413 and response.json()["error"]["code"] == "image_too_large"


def test_more_than_five_photos_are_refused():
    actor = make_actor()
    photo = astronaut_photos()[0]
    response = enrol(actor, *[upload(f"p{i}.png", photo.data) for i in range(6)])
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_failed"


def test_an_enrolled_likeness_cannot_be_enrolled_again():
    actor = make_actor()
    photo = astronaut_photos()[0]
    assert enrol(actor, upload(photo.name, photo.data)).status_code == 200
    response = enrol(actor, upload(photo.name, photo.data))
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_a_draft"


def test_an_outsider_cannot_enrol_someone_elses_likeness():
    actor, outsider = make_actor(), make_persona("outsider")
    photo = astronaut_photos()[0]
    response = outsider.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/",
        {"photos": [upload(photo.name, photo.data)]},
        format="multipart",
    )
    assert response.status_code == 404
    assert not ReferencePhoto.objects.exists()


def test_enrolment_takes_multipart_only():
    actor = make_actor()
    response = actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/", {"photos": []}, format="json")
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"
