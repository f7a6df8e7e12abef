"""A licence an agent signed under a mandate checks out offline, with nothing but the published JWKS
and the licence's evidence bundle: the agent's signature over the document, the platform's
countersignature, the mandate's signature by Ada's key, and the document naming that very mandate.

Personas: Ada (the actor); Maya, her agent, who approved the studio's licence; an outside verifier
with the public key set and the bundle the studio exported.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import pytest
import rfc8785
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from rest_framework.test import APIClient

from audit.evidence import verify_bundle
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona

pytestmark = pytest.mark.django_db

EDDSA = JWSRegistry.algorithms["EdDSA"]


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verifies(keys: KeySet, kid: str, signature: str, message: bytes) -> bool:
    return EDDSA.verify(message, unb64url(signature), keys.get_by_kid(kid))


def signed_by_maya_bundle(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya).status_code == 201
    assert maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json").status_code == 200
    bundle = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/evidence")
    assert bundle.status_code == 200
    return story, maya, b"".join(bundle.streaming_content) if bundle.streaming else bundle.content


def test_an_outsider_verifies_the_agents_licence_and_her_mandate_with_the_jwks_only(clock):
    _, maya, data = signed_by_maya_bundle(clock)
    keys = KeySet.import_key_set(APIClient().get("/.well-known/jwks.json").json())
    evidence = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("bundle.json"))["documents"]["license"]

    text = evidence["document"].encode()
    document = json.loads(text)
    assert rfc8785.dumps(document) == text
    signer = document["signer"]
    assert signer["representative"]["user_id"] == str(maya.user.pk)
    # Maya's signature over the licence, and the platform's over the document with her signature.
    assert verifies(keys, signer["key_id"], evidence["owner_signature"], text)
    countersigned = rfc8785.dumps(
        {
            "document": document,
            "owner_signature": evidence["owner_signature"],
            "platform_key_id": evidence["platform_key_id"],
        }
    )
    assert verifies(keys, evidence["platform_key_id"], evidence["platform_signature"], countersigned)
    # The mandate the licence names, by hash, signed by Ada's key, and covering approval here.
    mandate_text = evidence["mandate"]["document"].encode()
    assert hashlib.sha256(mandate_text).hexdigest() == signer["mandate_sha256"]
    mandate = json.loads(mandate_text)
    assert mandate["signer_key_id"] == mandate["owner"]["owner_key_id"] == document["licensor"]["owner_key_id"]
    assert verifies(keys, mandate["signer_key_id"], evidence["mandate"]["signature"], mandate_text)
    assert "approve" in mandate["acts"] and document["licensor"]["likeness_id"] in mandate["likeness_ids"]
    assert mandate["representative"] == signer["representative"]


def test_the_platforms_offline_checker_passes_it_and_catches_a_forged_mandate(clock):
    _, _, data = signed_by_maya_bundle(clock)
    report = verify_bundle(data)
    assert report.ok, report.problems
    assert "license" in report.documents_verified

    archive = zipfile.ZipFile(io.BytesIO(data))
    body = json.loads(archive.read("bundle.json"))
    mandate = json.loads(body["documents"]["license"]["mandate"]["document"])
    mandate["acts"] = ["approve", "revoke", "see_earnings"]
    body["documents"]["license"]["mandate"]["document"] = rfc8785.dumps(mandate).decode()
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as out:
        for name in archive.namelist():
            out.writestr(name, json.dumps(body) if name == "bundle.json" else archive.read(name))
    report = verify_bundle(forged.getvalue())
    assert not report.ok
    assert any("mandate" in problem for problem in report.problems)
