"""Owner keys: custodial or self-custody, and rotation that never invalidates a signed licence.

Personas: Ada (actor) holds her own key and signs offline; a studio requests licences from her;
an impostor tries to pass off a signature made with some other key.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from licensing.documents import b64url, public_raw, sign
from licensing.gate import license_authorize
from licensing.lifecycle import license_request
from licensing.models import KeyCustody, OwnerKey
from tests.factories import license_terms, make_licensed_story

pytestmark = pytest.mark.django_db


def register_self_custody(actor) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    response = actor.client().post(
        "/api/v1/owner-keys/",
        {"custody": "self", "public_key": b64url(public_raw(private.public_key()))},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["custody"] == "self"
    return private


def render_allowed(story, license_id) -> bool:
    return license_authorize(
        license_id=license_id,
        studio=story.studio.organisation,
        work_file_sha256=story.work.file_sha256,
        purpose="film",
        media_type="video",
        duration_seconds=10,
        territory="FR",
    ).allowed


def test_a_self_custody_owner_signs_the_canonical_bytes_offline_and_uploads_the_signature(clock):
    story = make_licensed_story()
    private = register_self_custody(story.actor)
    license = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    body = story.actor.client().get(f"/api/v1/licenses/{license.pk}/").json()
    assert body["owner_key_id"] == OwnerKey.objects.get(owner=story.actor.owner, retired_at=None).kid

    # Without a signature the platform cannot sign for a self-custody owner.
    response = story.actor.client().post(f"/api/v1/licenses/{license.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "signature_required"

    signature = sign(private, body["canonical_document"].encode())
    response = story.actor.client().post(
        f"/api/v1/licenses/{license.pk}/approve/", {"signature": signature}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active" and response.json()["owner_signature"] == signature
    assert render_allowed(story, license.pk)


def test_a_forged_uploaded_signature_is_refused_and_the_licence_stays_requested(clock):
    story = make_licensed_story()
    register_self_custody(story.actor)
    license = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    forged = sign(Ed25519PrivateKey.generate(), license.document.encode())
    response = story.actor.client().post(
        f"/api/v1/licenses/{license.pk}/approve/", {"signature": forged}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "owner_signature_invalid"
    license.refresh_from_db()
    assert license.status == "requested" and license.owner_signature == ""


def test_rotating_keys_keeps_old_licences_valid_and_reissues_pending_requests(clock):
    story = make_licensed_story()
    old_kid = story.license.owner_key_id
    pending = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    assert pending.owner_key_id == old_kid

    response = story.actor.client().post("/api/v1/owner-keys/", {"custody": "custodial"}, format="json")
    assert response.status_code == 201
    new_kid = response.json()["kid"]
    keys = story.actor.client().get("/api/v1/owner-keys/").json()
    assert [(k["kid"], k["retired_at"] is None) for k in keys] == [(old_kid, False), (new_kid, True)]

    assert render_allowed(story, story.license.pk)  # signed under the retired key: still valid
    pending.refresh_from_db()
    assert pending.owner_key_id == new_kid and f'"owner_key_id":"{new_kid}"' in pending.document
    response = story.actor.client().post(f"/api/v1/licenses/{pending.pk}/approve/", {}, format="json")
    assert response.status_code == 200
    assert render_allowed(story, pending.pk)


def test_a_custodial_private_key_is_stored_encrypted(clock):
    story = make_licensed_story()
    key = OwnerKey.objects.get(kid=story.license.owner_key_id)
    assert key.custody == KeyCustody.CUSTODIAL
    stored = bytes(key.encrypted_private_key)
    assert len(stored) == 12 + 32 + 16  # nonce, Ed25519 seed, GCM tag: no plaintext seed in the row


def test_only_owners_hold_keys(clock):
    story = make_licensed_story()
    response = story.studio.client().post("/api/v1/owner-keys/", {"custody": "custodial"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_an_owner"


def test_a_rotated_platform_key_keeps_old_countersignatures_valid(clock, settings, tmp_path):
    from licensing.lifecycle import license_approve

    story = make_licensed_story()
    old_platform_kid = story.license.platform_key_id
    from licensing.trust import retire_current_platform_key

    retire_current_platform_key()  # what `keys rotate license` does before it replaces the key file
    settings.LICENSE_SIGNING_KEY_FILE = tmp_path / "rotated-platform-key.pem"
    pending = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    newer = license_approve(license=pending, actor=story.actor.user)
    assert newer.platform_key_id != old_platform_kid
    assert render_allowed(story, story.license.pk) and render_allowed(story, newer.pk)
    from rest_framework.test import APIClient

    kids = {key["kid"] for key in APIClient().get("/.well-known/jwks.json").json()["keys"]}
    assert {old_platform_kid, newer.platform_key_id} <= kids
