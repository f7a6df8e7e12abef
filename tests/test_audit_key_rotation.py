"""Rotating the audit signing key keeps every older checkpoint verifiable.

Retired public keys live in configuration (AUDIT_PUBLIC_KEYS_DIR) with their validity periods, and
are published at /.well-known/audit-keys.json. Personas: an operator who rotates the key; an
auditor; an outsider reading the published keys; an attacker holding the old private key, or
database access only.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from audit.checkpoints import audit_checkpoint_create, checkpoint_file, checkpoint_storage_name, root_at
from audit.models import AuditCheckpoint
from audit.signing import key_id, tree_head_document
from config.errors import Conflict
from tests.audit_custody import use_own_audit_keys
from tests.factories import make_actor, make_auditor

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotated(settings, tmp_path, clock):
    """Two checkpoints under the first key, a rotation, then one under the second key."""
    use_own_audit_keys(settings, tmp_path)
    make_actor("actor")
    first = audit_checkpoint_create()
    make_actor("second")
    second = audit_checkpoint_create()
    old_private = settings.AUDIT_SIGNING_KEY_FILE.read_bytes()
    clock.advance(hours=1)
    call_command("audit_key_retire", "--replace", stdout=io.StringIO())
    clock.advance(minutes=5)
    make_actor("third")
    third = audit_checkpoint_create()
    return {"checkpoints": [first, second, third], "old_private": old_private, "auditor": make_auditor()}


def test_older_checkpoints_still_verify_after_rotation(rotated):
    first, second, third = rotated["checkpoints"]
    assert first.key_id == second.key_id != third.key_id
    verdict = rotated["auditor"].client().get("/api/v1/audit/verify/").json()
    assert (verdict["ok"], verdict["checkpoints"]["checked"]) == (True, 3)
    listed = {
        c["signed_tree_head"]["tree_size"]: c
        for c in rotated["auditor"].client().get("/api/v1/audit/checkpoints/").json()
    }
    for checkpoint in (first, third):  # each carries the key it names, and verifies under it
        body = listed[checkpoint.tree_size]
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
        assert key_id(key) == checkpoint.key_id
        key.verify(base64.b64decode(body["signature"]), rfc8785.dumps(body["signed_tree_head"]))


def test_the_published_keys_name_both_with_their_validity(rotated):
    first, _, third = rotated["checkpoints"]
    response = Client().get("/.well-known/audit-keys.json")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    keys = {jwk["kid"]: jwk for jwk in response.json()["keys"]}
    old, new = keys[first.key_id], keys[third.key_id]
    assert (old["status"], new["status"]) == ("retired", "current")
    assert old["not_after"] == new["not_before"] and new["not_after"] is None
    retired_at = datetime.fromisoformat(old["not_after"])
    assert first.timestamp < retired_at <= third.timestamp
    raw = base64.urlsafe_b64decode(old["x"] + "=" * (-len(old["x"]) % 4))
    assert key_id(Ed25519PublicKey.from_public_bytes(raw)) == first.key_id


def test_the_old_key_cannot_sign_past_its_retirement(rotated, settings):
    """Whoever kept the old private key signs a checkpoint dated after the key was retired."""
    old = serialization.load_pem_private_key(rotated["old_private"], password=None)
    assert isinstance(old, Ed25519PrivateKey)
    _, _, third = rotated["checkpoints"]
    size = third.tree_size - 1
    document = tree_head_document(
        tree_size=size, root_hash=root_at(size).hex(), timestamp=third.timestamp, signer_key_id=key_id(old.public_key())
    )
    signature = base64.b64encode(old.sign(rfc8785.dumps(document))).decode()
    forged = AuditCheckpoint.objects.create(
        tree_size=size,
        root_hash=document["root_hash"],
        timestamp=third.timestamp,
        key_id=document["key_id"],
        signature=signature,
        storage_name=checkpoint_storage_name(size),
    )
    default_storage.save(forged.storage_name, ContentFile(json.dumps(checkpoint_file(forged)).encode()))
    verdict = rotated["auditor"].client().get("/api/v1/audit/verify/").json()
    assert [(p["tree_size"], p["problem"]) for p in verdict["checkpoints"]["problems"]] == [(size, "key_not_valid")]


def test_a_retired_key_left_in_place_signs_nothing_new(settings, tmp_path):
    use_own_audit_keys(settings, tmp_path)
    make_actor()
    audit_checkpoint_create()
    call_command("audit_key_retire", stdout=io.StringIO())  # retired, but the key file not yet replaced
    make_actor("second")
    with pytest.raises(Conflict) as refused:
        audit_checkpoint_create()
    assert refused.value.code == "audit_key_retired"
