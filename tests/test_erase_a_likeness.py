"""Erasure: the owner erases their likeness and no biometric data can be read again (crypto-shredding).

Personas: an actor erases their enrolled likeness; an outsider cannot erase it (404). Other apps
take part through erasure hooks (licensing ends licences, render refuses queued jobs).
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from config.errors import Conflict
from likeness import crypto
from likeness.erasure import register_erasure_hook, unregister_erasure_hook
from likeness.keystore import load_data_key
from likeness.models import FaceEmbedding, Likeness, LikenessKey, LikenessStatus, ReferencePhoto
from likeness.services import likeness_enrol, likeness_erase, likeness_identity_materials
from tests.factories import astronaut_photos, make_enrolled_actor, make_persona

pytestmark = pytest.mark.django_db


def test_erasure_leaves_no_decryptable_biometric_data_and_keeps_the_audit_chain_valid(
    isolated_media, isolated_key_store, django_capture_on_commit_callbacks
):
    actor = make_enrolled_actor()
    likeness_id = str(actor.likeness.pk)
    # What a thief with a database dump, a copy of the bucket and the KEK would hold before erasure:
    key_ref = LikenessKey.objects.get(likeness=actor.likeness).key_ref
    rows = [(str(e.photo_id), bytes(e.ciphertext)) for e in FaceEmbedding.objects.filter(likeness=actor.likeness)]
    photo_rows = list(ReferencePhoto.objects.filter(likeness=actor.likeness))
    files = [isolated_media / p.storage_name for p in photo_rows]
    sealed_photos = [(str(p.pk), path.read_bytes()) for p, path in zip(photo_rows, files, strict=True)]
    data_key = load_data_key(key_ref, likeness_id)
    crypto.unseal(data_key, rows[0][1], context=crypto.embedding_context(likeness_id, rows[0][0]))  # opens now
    assert (isolated_key_store / f"{likeness_id}.key").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = actor.client().post(f"/api/v1/likenesses/{likeness_id}/erasure/")
    assert response.status_code == 200
    assert response.json()["status"] == "erased" and response.json()["licensable"] is False

    key_row = LikenessKey.objects.get(likeness=actor.likeness)
    assert key_row.key_ref == "" and key_row.destroyed_at is not None
    assert not (isolated_key_store / f"{likeness_id}.key").exists()
    with pytest.raises(crypto.SealedDataUnreadable):
        load_data_key(key_ref, likeness_id)  # the reference a backup still holds leads nowhere
    # The stored ciphertext cannot be opened by anything the platform still holds: every key it
    # has left (the KEK, other likenesses' data keys) fails on the old ciphertexts.
    survivors = [crypto.kek()]
    other = make_enrolled_actor("other")
    survivors.append(load_data_key(LikenessKey.objects.get(likeness=other.likeness).key_ref, str(other.likeness.pk)))
    for key in survivors:
        for photo_id, blob in rows:
            with pytest.raises(crypto.SealedDataUnreadable):
                crypto.unseal(key, blob, context=crypto.embedding_context(likeness_id, photo_id))
        for photo_id, blob in sealed_photos:
            with pytest.raises(crypto.SealedDataUnreadable):
                crypto.unseal(key, blob, context=crypto.photo_context(likeness_id, photo_id))
    assert not any(path.exists() for path in files)
    assert not FaceEmbedding.objects.filter(likeness=actor.likeness).exists()
    assert not ReferencePhoto.objects.filter(likeness=actor.likeness).exists()

    entry = AuditEntry.objects.get(action="likeness.erased", target_id=likeness_id)
    assert entry.data == {
        "reason": "owner_request",
        "previous_status": "enrolled",
        "photos_deleted": 3,
        "embeddings_deleted": 3,
        "data_key_destroyed": True,
    }
    history = AuditEntry.objects.filter(target_id=likeness_id).order_by("seq")
    assert [e.action for e in history] == ["likeness.created", "likeness.enrolled", "likeness.erased"]
    assert audit_chain_verify().ok


def test_erasure_runs_every_hook_inside_its_transaction_and_a_failing_hook_erases_nothing():
    actor = make_enrolled_actor()
    seen = []

    def record(*, likeness, actor):
        seen.append((likeness.pk, Likeness.objects.get(pk=likeness.pk).status, actor))

    def refuse(*, likeness, actor):
        raise Conflict("a licence cannot be ended right now", code="hook_refused")

    register_erasure_hook(refuse)
    try:
        with pytest.raises(Conflict):
            likeness_erase(likeness=actor.likeness, actor=actor.user)
    finally:
        unregister_erasure_hook(refuse)
    actor.likeness.refresh_from_db()
    assert actor.likeness.status == LikenessStatus.ENROLLED
    key_ref = LikenessKey.objects.get(likeness=actor.likeness).key_ref
    assert load_data_key(key_ref, str(actor.likeness.pk))  # the refused erasure destroyed no key
    assert not AuditEntry.objects.filter(action="likeness.erased").exists()

    register_erasure_hook(record)
    try:
        likeness_erase(likeness=actor.likeness, actor=actor.user)
    finally:
        unregister_erasure_hook(record)
    assert seen == [(actor.likeness.pk, LikenessStatus.ENROLLED, actor.user)]  # before the status changed


def test_an_erased_likeness_cannot_be_enrolled_rendered_made_licensable_or_erased_again():
    actor = make_enrolled_actor()
    erased = likeness_erase(likeness=actor.likeness, actor=actor.user)
    with pytest.raises(Conflict) as refused:
        likeness_identity_materials(likeness=erased)
    assert refused.value.code == "likeness_erased"
    with pytest.raises(Conflict):
        likeness_enrol(likeness=erased, photos=astronaut_photos(), actor=actor.user)
    response = actor.client().post(
        f"/api/v1/likenesses/{erased.pk}/licensability/", {"licensable": True}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "likeness_erased"
    again = actor.client().post(f"/api/v1/likenesses/{erased.pk}/erasure/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "likeness_erased"


def test_an_outsider_cannot_erase_someone_elses_likeness():
    actor, outsider = make_enrolled_actor(), make_persona("outsider")
    response = outsider.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/erasure/")
    assert response.status_code == 404
    actor.likeness.refresh_from_db()
    assert actor.likeness.status == LikenessStatus.ENROLLED
