"""Anyone can check a licence offline: the public JWKS plus a standard JOSE/Ed25519 library.

Nothing here calls the platform's own verification code: the keys come from
`GET /.well-known/jwks.json`, the canonical bytes from the `rfc8785` package, and every signature
is checked by joserfc (RFC 8037 OKP keys, EdDSA).

Personas: Ada (actor) licensed her likeness to a studio; the studio holds the signed document; an
outside verifier has nothing but public endpoints.
"""

from __future__ import annotations

import base64
import json

import pytest
import rfc8785
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from rest_framework.test import APIClient

from licensing.lifecycle import license_revoke
from licensing.signing_keys import owner_key_create_custodial
from tests.factories import make_licensed_story

pytestmark = pytest.mark.django_db

EDDSA = JWSRegistry.algorithms["EdDSA"]


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwks() -> KeySet:
    response = APIClient().get("/.well-known/jwks.json")
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def verifies(keys: KeySet, kid: str, signature: str, message: bytes) -> bool:
    return EDDSA.verify(message, unb64url(signature), keys.get_by_kid(kid))


def licence_checks_out(keys: KeySet, body: dict) -> bool:
    data = body["canonical_document"].encode()
    document = json.loads(data)
    if rfc8785.dumps(document) != data:
        return False
    owner_ok = verifies(keys, document["licensor"]["owner_key_id"], body["owner_signature"], data)
    countersigned = rfc8785.dumps(
        {"document": document, "owner_signature": body["owner_signature"], "platform_key_id": body["platform_key_id"]}
    )
    return owner_ok and verifies(keys, body["platform_key_id"], body["platform_signature"], countersigned)


def test_a_licence_verifies_with_only_the_public_key_set_and_joserfc(clock):
    story = make_licensed_story()
    body = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    keys = jwks()
    assert all(key["kty"] == "OKP" and key["crv"] == "Ed25519" for key in keys.as_dict()["keys"])
    assert licence_checks_out(keys, body)

    edited = json.loads(body["canonical_document"])
    edited["scope"]["max_renders"] += 1
    assert not licence_checks_out(keys, {**body, "canonical_document": rfc8785.dumps(edited).decode()})


def test_the_public_status_and_the_revocation_record_verify_with_the_platform_key(clock):
    story = make_licensed_story()
    license_revoke(license=story.license, reason="withdrawn", actor=story.actor.user)
    body = APIClient().get(f"/api/v1/licenses/{story.license.pk}/status").json()
    keys = jwks()
    statement = body["statement"]
    assert statement["status"] == "revoked" and statement["reason"] is None  # that and when, never why
    assert verifies(keys, statement["platform_key_id"], body["signature"], rfc8785.dumps(statement))
    record = body["revocation"]["record"]
    assert verifies(keys, record["platform_key_id"], body["revocation"]["signature"], rfc8785.dumps(record))
    statement["status"] = "active"
    assert not verifies(keys, statement["platform_key_id"], body["signature"], rfc8785.dumps(statement))


def test_documents_signed_under_a_rotated_owner_key_still_verify(clock):
    story = make_licensed_story()
    old_kid = story.license.owner_key_id
    new_key = owner_key_create_custodial(owner=story.actor.owner, actor=story.actor.user)
    assert new_key.kid != old_kid
    keys = jwks()
    assert {old_kid, new_key.kid} <= {key["kid"] for key in keys.as_dict()["keys"]}
    body = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    assert licence_checks_out(keys, body)
