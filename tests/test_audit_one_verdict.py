"""One verifier for auditors: the API, the admin review and `audit_verify` give the same verdict.

The attacker can write to the database (not to the configuration or the bucket): they rewrite the
whole chain consistently, so the chain alone verifies, and remove the checkpoints the database holds.
Personas: an auditor; an attacker with database access.
"""

from __future__ import annotations

import base64
import io
import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.test import Client

from audit.checkpoints import audit_checkpoint_create, root_at
from audit.models import AuditCheckpoint
from audit.signing import key_id, tree_head_document
from config import clock
from tests.audit_custody import past_the_guard, rewrite_history, use_own_audit_keys
from tests.factories import make_actor, make_auditor, make_studio

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(settings, tmp_path):
    use_own_audit_keys(settings, tmp_path)
    make_actor("actor")
    make_studio("studio")
    audit_checkpoint_create()
    make_actor("second")
    audit_checkpoint_create()
    return make_auditor()


def command_verdict() -> dict:
    out = io.StringIO()
    try:
        call_command("audit_verify", "--json", stdout=out)
    except CommandError:
        pass
    return json.loads(out.getvalue())


def review_page(auditor) -> str:
    client = Client()
    client.force_login(auditor.user)
    return client.get("/admin/audit/auditentry/review/").content.decode()


def test_an_intact_log_passes_everywhere(auditor):
    api = auditor.client().get("/api/v1/audit/verify/").json()
    assert (api["ok"], api["problem"], api["checkpoints"]["checked"]) == (True, None, 2)
    assert api == command_verdict()
    assert 'id="verdict" data-ok="true"' in review_page(auditor)


def test_a_consistent_rewrite_of_the_whole_chain_is_caught_through_the_api(auditor):
    rewrite_history(seq=3)
    api = auditor.client().get("/api/v1/audit/verify/").json()
    assert api["chain_ok"] is True, "the chain alone verifies again: only the checkpoints can tell"
    assert (api["ok"], api["problem"]) == (False, "root_mismatch")
    assert {p["problem"] for p in api["checkpoints"]["problems"]} == {"root_mismatch"}
    assert api == command_verdict()
    html = review_page(auditor)
    assert 'id="verdict" data-ok="false" data-problem="root_mismatch"' in html
    assert 'id="checkpoint-status" data-ok="false"' in html


def test_checkpoints_the_attacker_signs_into_the_database_earn_no_trust(auditor):
    rewrite_history(seq=2)
    mallory = Ed25519PrivateKey.generate()
    size, now = 5, clock.now()
    document = tree_head_document(
        tree_size=size, root_hash=root_at(size).hex(), timestamp=now, signer_key_id=key_id(mallory.public_key())
    )
    with past_the_guard():
        AuditCheckpoint.objects.create(
            tree_size=size,
            root_hash=document["root_hash"],
            timestamp=now,
            key_id=document["key_id"],
            signature=base64.b64encode(mallory.sign(rfc8785.dumps(document))).decode(),
            storage_name="nowhere",
        )
    api = auditor.client().get("/api/v1/audit/verify/").json()
    codes = {(p["tree_size"], p["problem"]) for p in api["checkpoints"]["problems"]}
    assert {(size, "unknown_key"), (size, "not_stored_outside")} <= codes
    assert "root_mismatch" in {code for _, code in codes}, "the checkpoints kept outside still catch the rewrite"
    assert api["ok"] is False and api == command_verdict()
