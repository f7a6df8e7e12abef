"""Signed checkpoints, inclusion and consistency proofs, and catching a rewritten database.

Proofs are checked here by an independent verifier written from RFC 9162 (2.1.3.2 and 2.1.4.2),
never by the code under test. Personas: an auditor; an outsider; an attacker with database access.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection

from audit.tasks import audit_checkpoint_task
from audit.triggers import drop_guard
from tests.factories import make_actor, make_auditor, make_persona, make_studio

pytestmark = pytest.mark.django_db


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc_verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, sha(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def rfc_verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> bool:
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:  # a power of two: the first root is the first node of the path
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = sha(b"\x01" + c + fr), sha(b"\x01" + c + sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


@pytest.fixture
def trail():
    make_actor("actor")
    make_studio("studio")
    make_actor("second")
    return make_auditor()


def test_an_auditor_makes_a_signed_checkpoint_that_is_also_stored_outside_the_database(trail, isolated_media):
    response = trail.client().post("/api/v1/audit/checkpoints/")
    assert response.status_code == 201
    body = response.json()
    head = body["signed_tree_head"]
    assert head["tree_size"] >= 10
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
    key.verify(base64.b64decode(body["signature"]), rfc8785.dumps(head))  # raises if forged
    stored = json.loads((isolated_media / f"audit/checkpoints/{head['tree_size']:012d}.json").read_text())
    assert stored["signed_tree_head"] == head and stored["signature"] == body["signature"]


def test_every_entry_has_an_inclusion_proof_against_the_checkpoint(trail):
    head = trail.client().post("/api/v1/audit/checkpoints/").json()["signed_tree_head"]
    size, root = head["tree_size"], bytes.fromhex(head["root_hash"])
    for seq in range(1, size + 1):
        proof = trail.client().get(f"/api/v1/audit/entries/{seq}/proof", {"tree_size": size}).json()
        leaf = proof["entry_canonical"].encode()
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        assert rfc_verify_inclusion(leaf, seq - 1, size, path, root), seq
        assert not rfc_verify_inclusion(leaf + b" ", seq - 1, size, path, root)


def test_checkpoints_taken_as_the_log_grows_are_consistent(trail):
    client = trail.client()
    heads = [client.post("/api/v1/audit/checkpoints/").json()["signed_tree_head"]]
    for name in ("third", "fourth", "fifth"):
        make_actor(name)
        heads.append(client.post("/api/v1/audit/checkpoints/").json()["signed_tree_head"])
    for older in heads:
        for newer in heads:
            if older["tree_size"] > newer["tree_size"]:
                continue
            proof = client.get(
                "/api/v1/audit/consistency", {"first": older["tree_size"], "second": newer["tree_size"]}
            ).json()
            path = [bytes.fromhex(h) for h in proof["consistency_path"]]
            assert rfc_verify_consistency(
                older["tree_size"],
                newer["tree_size"],
                bytes.fromhex(older["root_hash"]),
                bytes.fromhex(newer["root_hash"]),
                path,
            )
    listed = client.get("/api/v1/audit/checkpoints/").json()
    assert [c["signed_tree_head"]["tree_size"] for c in listed] == sorted((h["tree_size"] for h in heads), reverse=True)


def test_the_beat_task_is_safe_to_run_twice(trail, isolated_media):
    first, second = audit_checkpoint_task(), audit_checkpoint_task()
    assert first == second
    assert len(list((isolated_media / "audit/checkpoints").iterdir())) == 1


def test_proof_requests_beyond_the_log_are_refused(trail):
    response = trail.client().get("/api/v1/audit/entries/1/proof", {"tree_size": 10_000})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_tree_size"
    response = trail.client().get("/api/v1/audit/consistency", {"first": 5, "second": 3})
    assert response.status_code == 400


def test_outsiders_get_no_proofs():
    make_actor()
    outsider = make_persona("outsider")
    assert outsider.client().get("/api/v1/audit/entries/1/proof", {"tree_size": 1}).status_code == 403
    assert outsider.client().post("/api/v1/audit/checkpoints/").status_code == 403


def test_a_rewritten_and_rechained_database_is_caught_by_the_stored_checkpoints(trail):
    call_command("audit_checkpoint", stdout=io.StringIO())
    # The attacker edits entry 3, then recomputes every hash after it so the chain verifies again.
    drop_guard(connection)
    from audit.chain import chain_hash
    from audit.models import AuditEntry

    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET actor_label = 'mallory' WHERE seq = 3")
        prev = AuditEntry.objects.get(seq=2).entry_hash
        for entry in AuditEntry.objects.filter(seq__gte=3).order_by("seq"):
            forged = chain_hash(prev, entry.as_record().canonical())
            cursor.execute(
                "UPDATE audit_entry SET prev_hash = %s, entry_hash = %s WHERE seq = %s", [prev, forged, entry.seq]
            )
            prev = forged
        cursor.execute("DELETE FROM audit_merkle_node")
        cursor.execute("DELETE FROM audit_checkpoint")
    out = io.StringIO()
    with pytest.raises(CommandError, match="does not match checkpoint"):
        call_command("audit_verify", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["chain_ok"] is True, "the chain alone was made to verify again"
    assert (report["ok"], report["problem"]) == (False, "root_mismatch")
    assert report["checkpoints"]["problems"][0]["problem"] == "root_mismatch"
