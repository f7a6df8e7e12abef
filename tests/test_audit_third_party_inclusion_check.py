"""An outsider checks that an audit entry is in the log using only what the platform publishes and
the standard library plus `cryptography`: none of the platform's code.

Personas: an auditor who hands an entry and its inclusion proof to an outsider; the outsider, who
fetches the audit keys and the latest checkpoint without an account.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client

from audit.checkpoints import audit_checkpoint_create
from tests.audit_custody import use_own_audit_keys
from tests.factories import make_actor, make_auditor, make_studio

pytestmark = pytest.mark.django_db


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def fold_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2, from the RFC's text."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, sha(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def outsider_checks(entry_bytes: bytes, seq: int, audit_path: list[str]) -> str:
    """Everything the outsider does; returns 'included' or the reason it is not."""
    outsider = Client()
    keys = {k["kid"]: k for k in outsider.get("/.well-known/audit-keys.json").json()["keys"]}
    checkpoint = outsider.get("/api/v1/audit/checkpoints/latest").json()
    head = checkpoint["signed_tree_head"]
    key = keys.get(head["key_id"])
    if key is None:
        return "unknown key"
    signed_at = datetime.fromisoformat(head["timestamp"])
    if key["not_before"] and signed_at < datetime.fromisoformat(key["not_before"]):
        return "key not yet valid"
    if key["not_after"] and signed_at >= datetime.fromisoformat(key["not_after"]):
        return "key retired"
    # RFC 8785 of a head of ASCII strings and small integers is sorted, compact JSON.
    signed_bytes = json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4)))
    public.verify(base64.b64decode(checkpoint["signature"]), signed_bytes)  # raises if not the platform's
    root = fold_inclusion(entry_bytes, seq - 1, head["tree_size"], [bytes.fromhex(h) for h in audit_path])
    return "included" if root == bytes.fromhex(head["root_hash"]) else "not included"


@pytest.fixture
def handed_over(settings, tmp_path):
    use_own_audit_keys(settings, tmp_path)
    make_actor("actor")
    make_studio("studio")
    size = audit_checkpoint_create().tree_size
    seq = 4
    proof = make_auditor().client().get(f"/api/v1/audit/entries/{seq}/proof", {"tree_size": size}).json()
    return proof["entry_canonical"].encode(), seq, proof["audit_path"]


def test_an_entry_checks_out_against_the_published_checkpoint_and_key(handed_over):
    assert outsider_checks(*handed_over) == "included"


def test_an_altered_entry_does_not(handed_over):
    entry, seq, path = handed_over
    assert outsider_checks(entry.replace(b'"label":"', b'"label":"x'), seq, path) == "not included"
    assert outsider_checks(entry, seq + 1, path) == "not included"
