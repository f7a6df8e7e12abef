"""Evidence bundles: exported by auditors, checked offline by anyone, tampering named.

Personas: an actor whose likeness history is exported; an auditor; an outsider; a forger who edits
the zip; a verifier with no access to the platform's database.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.evidence import verify_bundle
from tests.factories import make_actor, make_auditor, make_persona

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def exported():
    actor = make_actor()
    auditor = make_auditor()
    client = auditor.client()
    refused = client.post(
        f"/api/v1/likenesses/{actor.likeness.pk}/licensability/", {"licensable": False}, format="json"
    )
    assert refused.status_code == 404, "auditors read the trail; they do not change likenesses"
    actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/licensability/", {"licensable": False}, format="json")
    response = client.get(
        "/api/v1/audit/evidence", {"target_type": "likeness.likeness", "target_id": str(actor.likeness.pk)}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return actor, response.content


def rewrite(bundle: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            target.writestr(item, change(data) if item == name else data)
    return out.getvalue()


def test_a_bundle_holds_every_entry_about_the_target_with_proofs(exported):
    actor, bundle = exported
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.subject["target_id"] == str(actor.likeness.pk)
    body = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("bundle.json"))
    actions = [json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read(e["file"]))["action"] for e in body["entries"]]
    assert actions == ["likeness.created", "likeness.licensability_changed"]
    assert report.entries_verified == 2
    assert "openssl pkeyutl -verify" in zipfile.ZipFile(io.BytesIO(bundle)).read("README.md").decode()


def test_an_edited_entry_is_named(exported):
    _, bundle = exported
    body = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("bundle.json"))
    name = body["entries"][0]["file"]
    forged = rewrite(
        bundle,
        name,
        lambda data: data.replace(b'"licensable":false', b'"licensable":true').replace(
            b"likeness.created", b"likeness.createe"
        ),
    )
    report = verify_bundle(forged)
    assert not report.ok
    assert any(problem.startswith(f"entry {body['entries'][0]['seq']}:") for problem in report.problems)


def test_a_forged_checkpoint_is_named(exported):
    _, bundle = exported

    def raise_root(data: bytes) -> bytes:
        body = json.loads(data)
        body["checkpoint"]["signed_tree_head"]["tree_size"] += 1
        return json.dumps(body).encode()

    report = verify_bundle(rewrite(bundle, "bundle.json", raise_root))
    assert "checkpoint signature does not verify" in report.problems


def test_a_bundle_signed_by_another_key_fails_against_the_trusted_key(exported):
    _, bundle = exported
    stranger = Ed25519PrivateKey.generate().public_key()
    report = verify_bundle(bundle, trusted_public_key=stranger)
    assert not report.ok and "with the trusted key" in report.problems[0]


def test_garbage_is_reported_not_raised():
    assert verify_bundle(b"not a zip").ok is False
    assert verify_bundle(rewrite(_empty_zip(), "x", lambda d: d)).ok is False


def _empty_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("bundle.json", "{}")
    return out.getvalue()


def test_verify_evidence_works_with_no_database_at_all(exported, tmp_path):
    _, bundle = exported
    path = tmp_path / "evidence.zip"
    path.write_bytes(bundle)
    pem = zipfile.ZipFile(io.BytesIO(bundle)).read("checkpoint/public_key.pem")
    (tmp_path / "key.pem").write_bytes(pem)
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/gone",
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = [sys.executable, "manage.py", "verify_evidence", str(path), "--public-key", str(tmp_path / "key.pem")]
    good = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert good.returncode == 0, good.stderr
    assert "2 audit entries" in good.stdout and "by the trusted key" in good.stdout

    path.write_bytes(rewrite(bundle, "checkpoint/signature.bin", lambda data: bytes([data[0] ^ 1]) + data[1:]))
    bad = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode != 0
    assert "signature.bin differs" in bad.stderr


def test_outsiders_cannot_export_and_unknown_targets_are_not_found():
    actor = make_actor()
    outsider, auditor = make_persona("outsider"), make_auditor()
    query = {"target_type": "likeness.likeness", "target_id": str(actor.likeness.pk)}
    assert outsider.client().get("/api/v1/audit/evidence", query).status_code == 403
    missing = auditor.client().get("/api/v1/audit/evidence", {"target_type": "likeness.likeness", "target_id": "x"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
