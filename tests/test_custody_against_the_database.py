"""Custody that holds against the database: rows written by hand are trusted nowhere.

Personas: Ada (actor) licensed her likeness to Studio; Mallory can write to the database (insert and
edit rows, raw UPDATEs) but holds none of the platform's key files (tests/custody_attacks.py); an
outside verifier has only /.well-known/jwks.json, `cryptography` and `json`.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import zipfile
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.apps import apps
from django.core.management import call_command
from rest_framework.test import APIClient

from audit.evidence import verify_bundle
from licensing.gate import license_authorize
from licensing.lifecycle import license_revoke
from licensing.models import License, LicenseStatus, OwnerKey, PlatformKey
from licensing.refusals import RefusalReason
from licensing.trust import pinned_platform_keys
from tests.custody_attacks import (
    countersign_with_inserted_platform_key,
    insert_owner_key_row,
    set_status_by_hand,
    widen_with_inserted_keys,
)
from tests.factories import LicensedStory, make_licensed_story

pytestmark = pytest.mark.django_db


def authorize(story: LicensedStory, **overrides: Any) -> Any:
    request = {
        "license_id": story.license.pk,
        "studio": story.studio.organisation,
        "work_file_sha256": story.work.file_sha256,
        "purpose": "film",
        "media_type": "video",
        "duration_seconds": 60.0,
        "territory": "FR",
        **overrides,
    }
    return license_authorize(**request)


def published_kids() -> set[str]:
    return {key["kid"] for key in APIClient().get("/.well-known/jwks.json").json()["keys"]}


def licence_evidence(story: LicensedStory) -> bytes:
    response = story.actor.client().get(f"/api/v1/licenses/{story.license.pk}/evidence")
    assert response.status_code == 200
    return bytes(response.content)


def test_inserted_key_rows_and_a_widened_scope_are_refused_unpublished_and_fail_as_evidence(clock):
    story = make_licensed_story()
    assert authorize(story).allowed
    assert not authorize(story, purpose="advertising").allowed, "advertising is outside Ada's licence"

    inserted = widen_with_inserted_keys(story.license, purposes=["advertising", "film"])

    answer = authorize(story, purpose="advertising")
    assert not answer.allowed and answer.reason == RefusalReason.KEY_NOT_CERTIFIED
    assert authorize(story).reason == RefusalReason.KEY_NOT_CERTIFIED, "the rewritten licence is refused whole"
    assert OwnerKey.objects.filter(kid=inserted.owner_kid).exists()
    assert PlatformKey.objects.filter(kid=inserted.platform_kid).exists()
    kids = published_kids()
    assert inserted.owner_kid not in kids and inserted.platform_kid not in kids
    assert story.license.platform_key_id in kids, "the genuine platform key is still published"

    report = verify_bundle(licence_evidence(story))
    assert not report.ok
    assert any("owner's signature does not verify" in problem for problem in report.problems), report.problems
    assert any("countersignature does not verify" in problem for problem in report.problems), report.problems
    body = json.loads(zipfile.ZipFile(io.BytesIO(licence_evidence(story))).read("bundle.json"))
    bundled = {key["kid"] for key in body["documents"]["license"]["keys"]}
    assert inserted.owner_kid not in bundled and inserted.platform_kid not in bundled


def test_a_countersignature_by_an_inserted_platform_key_row_is_refused(clock):
    story = make_licensed_story()
    platform_kid = countersign_with_inserted_platform_key(story.license)
    assert authorize(story).reason == RefusalReason.PLATFORM_KEY_NOT_PINNED
    assert platform_kid not in published_kids()
    assert platform_kid not in pinned_platform_keys()


def test_a_revoked_licence_set_back_to_active_by_a_raw_update_stays_revoked(clock):
    story = make_licensed_story()
    license_revoke(license=story.license, reason="I no longer agree", actor=story.actor.user)
    set_status_by_hand(story.license, LicenseStatus.ACTIVE)
    assert License.objects.get(pk=story.license.pk).status == LicenseStatus.ACTIVE

    assert authorize(story).reason == RefusalReason.REVOCATION_ON_RECORD
    status = APIClient().get(f"/api/v1/licenses/{story.license.pk}/status").json()
    assert status["statement"]["status"] == "revoked" and status["statement"]["reason"] is None  # never why
    assert status["revocation"]["record"]["license_id"] == str(story.license.pk)


def test_an_active_column_without_the_owners_signature_and_countersignature_is_refused(clock):
    story = make_licensed_story(approve=False)
    set_status_by_hand(story.license, LicenseStatus.ACTIVE)
    answer = authorize(story)
    assert not answer.allowed and answer.reason == RefusalReason.OWNER_SIGNATURE_INVALID


def test_an_owner_key_row_inserted_for_ada_is_not_published_but_her_certified_key_is(clock):
    story = make_licensed_story()
    _, kid = insert_owner_key_row(story.license)
    kids = published_kids()
    assert kid not in kids and story.license.owner_key_id in kids


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jcs(value: Any) -> bytes:
    # RFC 8785 for what a licence holds (objects, arrays, strings, integers, booleans, null): sorted
    # keys, no whitespace, UTF-8. The stored document is already canonical; this rebuilds the payload.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def third_party_verdict(body: dict[str, Any], jwks: dict[str, Any]) -> bool:
    """An outsider's check: the published JWKS, `cryptography` and `json`; none of the platform's code."""
    keys = {key["kid"]: Ed25519PublicKey.from_public_bytes(_b64url(key["x"])) for key in jwks["keys"]}
    data = body["canonical_document"].encode()
    document = json.loads(data)
    payload = _jcs(
        {"document": document, "owner_signature": body["owner_signature"], "platform_key_id": body["platform_key_id"]}
    )
    try:
        keys[document["licensor"]["owner_key_id"]].verify(_b64url(body["owner_signature"]), data)
        keys[body["platform_key_id"]].verify(_b64url(body["platform_signature"]), payload)
    except (KeyError, InvalidSignature):
        return False
    return True


def test_an_outsider_with_only_the_jwks_accepts_the_genuine_licence_and_not_the_rewritten_one(clock):
    story = make_licensed_story()
    jwks = APIClient().get("/.well-known/jwks.json").json()
    genuine = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    assert third_party_verdict(genuine, jwks)

    widen_with_inserted_keys(story.license, purposes=["advertising", "film"])
    jwks = APIClient().get("/.well-known/jwks.json").json()
    rewritten = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    assert "advertising" in json.loads(rewritten["canonical_document"])["scope"]["purposes"]
    assert not third_party_verdict(rewritten, jwks)


def test_a_rotated_platform_key_stays_pinned_through_its_public_key_file(clock, settings, tmp_path):
    settings.LICENSE_SIGNING_KEY_FILE = tmp_path / "license-signing-key.pem"
    story = make_licensed_story()
    old_kid = story.license.platform_key_id
    out = io.StringIO()
    call_command("keys", "rotate", "license", stdout=out)
    rotated = json.loads(out.getvalue())
    assert rotated["previous_id"] == old_kid and rotated["id"] != old_kid
    retired = json.loads((settings.LICENSE_PUBLIC_KEYS_DIR / f"{old_kid}.json").read_text())
    assert retired["kid"] == old_kid and "d" not in retired, "only the public half is written"
    assert authorize(story).allowed, "a licence countersigned before the rotation still passes"
    assert {old_kid, rotated["id"]} <= published_kids()

    (settings.LICENSE_PUBLIC_KEYS_DIR / f"{old_kid}.json").unlink()
    from render.platform_keys import forget_loaded_keys

    forget_loaded_keys()
    # The owner's key was certified under the unpinned key too: the database rows alone are not trust.
    assert authorize(story).reason == RefusalReason.KEY_NOT_CERTIFIED
    assert old_kid not in published_kids()


def test_the_backfill_certifies_keys_on_the_audit_trail_and_not_rows_inserted_by_hand(clock):
    story = make_licensed_story()
    genuine = OwnerKey.objects.get(kid=story.license.owner_key_id)
    _, inserted = insert_owner_key_row(story.license)
    OwnerKey.objects.filter(kid=genuine.kid).update(certificate="", certificate_signature="")
    assert authorize(story).reason == RefusalReason.KEY_NOT_CERTIFIED, "an uncertified key is refused"

    migration = importlib.import_module("licensing.migrations.0004_certify_existing_owner_keys")
    migration.certify_existing(apps, None)

    assert authorize(story).allowed
    assert OwnerKey.objects.get(kid=inserted).certificate == ""
    assert genuine.kid in published_kids() and inserted not in published_kids()
