"""Witnesses are registered by an admin; only they can add cosignatures, which the platform counts
per checkpoint in the API, the public checkpoint list and admin.

Personas: an admin; an auditor (reads, registers nothing); a registered witness; an outsider posting
cosignatures with a key nobody registered.
"""

from __future__ import annotations

import base64

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from rest_framework.test import APIClient

from audit.checkpoints import audit_checkpoint_create, checkpoint_file
from audit.models import AuditEntry, Witness
from audit.signing import cosignature_document, key_id
from tests.audit_custody import use_own_audit_keys
from tests.factories import make_actor, make_admin, make_auditor

pytestmark = pytest.mark.django_db

NOW = "2026-11-29T12:00:00.000000Z"


@pytest.fixture
def checkpoint(settings, tmp_path):
    use_own_audit_keys(settings, tmp_path)
    make_actor()
    return audit_checkpoint_create()


def signed_in(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def raw_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode()


def cosignature(key: Ed25519PrivateKey, checkpoint) -> dict:
    document = cosignature_document(
        signed_tree_head=checkpoint_file(checkpoint)["signed_tree_head"],
        witness_key_id=key_id(key.public_key()),
        cosigned_at=NOW,
    )
    signature = base64.b64encode(key.sign(rfc8785.dumps(document))).decode()
    return {"witness_key_id": key_id(key.public_key()), "cosigned_at": NOW, "signature": signature}


def register_in_admin(persona, name: str, key: Ed25519PrivateKey):
    return signed_in(persona).post("/admin/audit/witness/add/", {"name": name, "public_key": raw_b64(key)})


def test_an_admin_registers_a_witness_and_it_is_audited(checkpoint):
    key = Ed25519PrivateKey.generate()
    response = register_in_admin(make_admin(), "Witness Org", key)
    assert response.status_code == 302
    witness = Witness.objects.get(name="Witness Org")
    assert witness.key_id == key_id(key.public_key())
    assert AuditEntry.objects.filter(action="audit_witness.registered", target_id=str(witness.pk)).exists()


def test_an_auditor_cannot_register_a_witness(checkpoint):
    response = register_in_admin(make_auditor(), "Sneaky", Ed25519PrivateKey.generate())
    assert response.status_code == 403 and not Witness.objects.exists()


def test_a_malformed_witness_key_is_refused_with_a_reason(checkpoint):
    response = signed_in(make_admin()).post("/admin/audit/witness/add/", {"name": "W", "public_key": "bm90IGEga2V5"})
    assert response.status_code == 200 and not Witness.objects.exists()
    assert "32 bytes" in response.content.decode()


def test_cosignatures_are_counted_once_per_registered_witness(checkpoint):
    admin = make_admin()
    keys = [Ed25519PrivateKey.generate() for _ in range(2)]
    for n, key in enumerate(keys):
        register_in_admin(admin, f"Witness {n}", key)
    url = f"/api/v1/audit/checkpoints/{checkpoint.tree_size}/cosignatures"
    anonymous = APIClient()
    assert anonymous.post(url, cosignature(keys[0], checkpoint), format="json").status_code == 201
    assert (
        anonymous.post(url, cosignature(keys[0], checkpoint), format="json").status_code == 200
    )  # again: no double count
    assert anonymous.post(url, cosignature(keys[1], checkpoint), format="json").json()["cosigned_by"] == 2

    published = {c["signed_tree_head"]["tree_size"]: c for c in anonymous.get("/.well-known/audit/checkpoints").json()}
    assert published[checkpoint.tree_size]["cosigned_by"] == 2
    auditor_view = make_auditor().client().get("/api/v1/audit/checkpoints/").json()
    assert auditor_view[0]["cosigned_by"] == 2
    listing = signed_in(admin).get("/admin/audit/auditcheckpoint/")
    assert [c.cosigned_by for c in listing.context["cl"].result_list] == [2]
    review = signed_in(admin).get("/admin/audit/auditentry/review/").content.decode()
    assert '<td class="cosigned-by">2</td>' in review


def test_cosignatures_from_strangers_or_forged_are_refused(checkpoint):
    registered, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    register_in_admin(make_admin(), "Witness Org", registered)
    url = f"/api/v1/audit/checkpoints/{checkpoint.tree_size}/cosignatures"
    client = APIClient()
    refused = client.post(url, cosignature(stranger, checkpoint), format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "unknown_witness")
    forged = {**cosignature(registered, checkpoint), "signature": cosignature(stranger, checkpoint)["signature"]}
    refused = client.post(url, forged, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "bad_cosignature")
    elsewhere = client.post(
        "/api/v1/audit/checkpoints/99999/cosignatures", cosignature(registered, checkpoint), format="json"
    )
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "unknown_checkpoint")
    assert client.get(url).json()["cosigned_by"] == 0


def test_the_review_page_reads_in_chinese_too(checkpoint):
    page = signed_in(make_auditor()).get("/admin/audit/auditentry/review/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "审计记录审查" in html and "见证方副署数" in html and "尚未被签名覆盖" in html
