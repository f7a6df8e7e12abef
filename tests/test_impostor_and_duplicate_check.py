"""The impostor and duplicate check: a face already enrolled as another likeness freezes the new one.

Personas: an actor enrols their face first; an impostor then enrols the same face (the astronaut)
as their own likeness and is frozen for review; an admin approves or rejects frozen enrolments; an
outsider cannot review. Also: the exact and the HNSW index give the same answers.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from config import clock
from likeness import crypto
from likeness.engines import DetectedFace, FaceEngine, register_engine
from likeness.keystore import key_store
from likeness.models import FaceEmbedding, Likeness, LikenessKey, LikenessStatus, ReferencePhoto
from likeness.search import similar_likenesses
from likeness.services import PhotoUpload, likeness_enrol
from tests.factories import astronaut_photos, make_actor, make_admin, make_enrolled_actor, make_persona, photo_bytes

pytestmark = pytest.mark.django_db


def test_enrolling_a_face_that_is_already_enrolled_freezes_the_new_likeness():
    actor = make_enrolled_actor("actor")
    assert actor.likeness.status == LikenessStatus.ENROLLED
    impostor = make_actor("impostor")
    frozen = likeness_enrol(likeness=impostor.likeness, photos=astronaut_photos()[:1], actor=impostor.user)
    assert frozen.status == LikenessStatus.FROZEN
    entry = AuditEntry.objects.get(action="likeness.frozen", target_id=str(impostor.likeness.pk))
    assert entry.data == {"reason": "face_already_enrolled", "matching_likeness_ids": [str(actor.likeness.pk)]}
    assert entry.actor_label == "impostor-check"
    # The first owner's likeness is untouched.
    actor.likeness.refresh_from_db()
    assert actor.likeness.status == LikenessStatus.ENROLLED
    assert audit_chain_verify().ok


def test_a_frozen_likeness_cannot_release_its_identity_for_rendering():
    from config.errors import Conflict
    from likeness.services import likeness_identity_materials

    make_enrolled_actor("actor")
    impostor = make_actor("impostor")
    likeness_enrol(likeness=impostor.likeness, photos=astronaut_photos()[:1], actor=impostor.user)
    with pytest.raises(Conflict) as refused:
        likeness_identity_materials(likeness=impostor.likeness)
    assert refused.value.code == "likeness_frozen"


def test_an_admin_approves_or_rejects_a_frozen_enrolment_and_nobody_else_may():
    make_enrolled_actor("actor")
    admin, outsider = make_admin(), make_persona("outsider")
    first, second = make_actor("twin"), make_actor("impostor")
    for someone in (first, second):
        likeness_enrol(likeness=someone.likeness, photos=astronaut_photos()[:1], actor=someone.user)
    url = f"/api/v1/likenesses/{first.likeness.pk}/review/"
    assert outsider.client().post(url, {"decision": "approve"}, format="json").status_code == 404
    assert (
        first.client().post(url, {"decision": "approve"}, format="json").status_code == 404
    )  # owners cannot self-approve
    approved = admin.client().post(url, {"decision": "approve"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "enrolled"
    rejected = admin.client().post(
        f"/api/v1/likenesses/{second.likeness.pk}/review/", {"decision": "reject"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "erased"
    assert not FaceEmbedding.objects.filter(likeness=second.likeness).exists()
    again = admin.client().post(url, {"decision": "approve"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_frozen"


class ScriptedEngine(FaceEngine):
    """Stands in for a second person: the embedding is the photo's dominant colour (there is no
    second public-domain real face offline). One frontal face fills every photo."""

    name = "scripted"
    embedding_dim = 3
    match_distance = 0.5

    def detect(self, image):
        h, w = image.shape[:2]
        marks = np.array(
            [[0.3 * w, 0.4 * h], [0.7 * w, 0.4 * h], [0.5 * w, 0.6 * h], [0.35 * w, 0.8 * h], [0.65 * w, 0.8 * h]]
        )
        return [DetectedFace(bbox=(0.0, 0.0, float(w), float(h)), landmarks=marks.astype(np.float32), score=1.0)]

    def embed(self, image, face):
        mean = image.reshape(-1, 3).mean(axis=0).astype(np.float32) + 1e-3
        return mean / np.linalg.norm(mean)

    def model_info(self):
        return {"scripted": "0" * 64}


def solid(rgb) -> bytes:
    return photo_bytes(np.full((120, 120, 3), rgb, dtype=np.uint8))


def test_photos_of_two_different_people_are_refused_as_disagreeing():
    from config.errors import Invalid

    register_engine("scripted", ScriptedEngine)
    actor = make_actor()
    photos = [PhotoUpload("me.png", solid((200, 10, 10))), PhotoUpload("someone.png", solid((10, 10, 200)))]
    with pytest.raises(Invalid) as refused:
        likeness_enrol(likeness=actor.likeness, photos=photos, actor=actor.user, engine_name="scripted")
    assert refused.value.code == "photos_disagree"
    assert refused.value.detail == {"photos": ["me.png", "someone.png"], "indices": [0, 1]}


def store_synthetic_embeddings(vectors: np.ndarray) -> list[uuid.UUID]:
    """Enrolled likenesses with the given (already normalised) embeddings, encrypted as enrolment does."""
    owner = make_actor("crowd").owner
    now = clock.now()
    ids = []
    for vector in vectors:
        likeness = Likeness.objects.create(
            owner=owner, display_name="x", status=LikenessStatus.ENROLLED, created_at=now, updated_at=now
        )
        key, key_ref = key_store().create(str(likeness.pk))
        LikenessKey.objects.create(likeness=likeness, key_ref=key_ref, kek_id="t", created_at=now)
        photo = ReferencePhoto.objects.create(
            likeness=likeness, position=0, storage_name="none", width=1, height=1, created_at=now
        )
        FaceEmbedding.objects.create(
            likeness=likeness,
            photo=photo,
            engine="synthetic",
            model_info={},
            dim=vectors.shape[1],
            ciphertext=crypto.seal(
                key,
                vector.astype(np.float32).tobytes(),
                context=crypto.embedding_context(str(likeness.pk), str(photo.pk)),
            ),
            created_at=now,
        )
        ids.append(likeness.pk)
    return ids


def test_the_exact_and_the_hnsw_index_find_the_same_likenesses():
    rng = np.random.default_rng(3)
    stored = rng.normal(size=(400, 128)).astype(np.float32)
    stored /= np.linalg.norm(stored, axis=1, keepdims=True)
    ids = store_synthetic_embeddings(stored)
    for probe in range(0, 400, 20):
        query = stored[probe] + rng.normal(scale=0.02, size=128).astype(np.float32)
        query /= np.linalg.norm(query)
        exact = similar_likenesses(engine="synthetic", dim=128, vectors=[query], within=0.9, kind="exact")
        hnsw = similar_likenesses(engine="synthetic", dim=128, vectors=[query], within=0.9, kind="hnsw")
        assert [m.likeness_id for m in exact] == [ids[probe]]
        assert [m.likeness_id for m in hnsw] == [m.likeness_id for m in exact]
        assert hnsw[0].distance == pytest.approx(exact[0].distance, abs=1e-4)


def test_the_index_follows_new_enrolments_and_erasures_in_the_database():
    from likeness.services import likeness_erase

    rng = np.random.default_rng(4)
    stored = rng.normal(size=(3, 16)).astype(np.float32)
    stored /= np.linalg.norm(stored, axis=1, keepdims=True)
    first = store_synthetic_embeddings(stored[:2])
    assert [m.likeness_id for m in similar_likenesses(engine="synthetic", dim=16, vectors=[stored[0]], within=0.1)] == [
        first[0]
    ]
    (added,) = store_synthetic_embeddings(stored[2:])  # incremental: a new row after the cached ones
    assert [m.likeness_id for m in similar_likenesses(engine="synthetic", dim=16, vectors=[stored[2]], within=0.1)] == [
        added
    ]
    likeness_erase(likeness=Likeness.objects.get(pk=first[0]), actor=None)
    assert similar_likenesses(engine="synthetic", dim=16, vectors=[stored[0]], within=0.1) == []
