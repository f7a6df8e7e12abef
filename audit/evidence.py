"""Evidence bundles: everything needed to prove, offline, what the audit trail says about a subject.

A bundle is one zip file:
- `README.md`: how to check it with standard tools (sha256sum, openssl, any RFC 8785 library);
- `bundle.json`: the subject, the checkpoint, and for every entry its leaf index, hashes and the
  RFC 6962 inclusion proof against that checkpoint; plus `documents` (licence documents and the
  like, added by the apps that own them) and `records` (e.g. a render job's record);
- `checkpoint/signed_tree_head.json`: the exact signed bytes (RFC 8785), `checkpoint/signature.bin`
  and `checkpoint/public_key.pem`, so `openssl pkeyutl -verify` can check the signature as is;
- `entries/<seq>.json`: each entry's canonical bytes (the Merkle leaf data).

`verify_bundle` checks a bundle with no database: signature, every inclusion proof, every entry's
chain hash, and that every entry is about the bundle's subject. The public key inside the bundle
only proves the bundle is self-consistent; compare it (or pass `trusted_public_key`) with the
platform's published key to know the platform signed it.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit import merkle
from audit.chain import chain_hash
from audit.checkpoints import audit_checkpoint_create, checkpoint_file, inclusion_proof_for
from audit.models import AuditEntry
from audit.signing import verify_document
from config import clock, jcs

FORMAT = "likeness-platform-evidence/1"

# Checks for the documents other apps attach (a licence and its signatures, say), registered by
# those apps at start-up so this module never imports them. A check takes the document and
# returns the problems it found; it must need no database, since bundles are verified offline.
DocumentCheck = Callable[[Any], list[str]]
_document_checks: dict[str, DocumentCheck] = {}


def register_document_check(kind: str, check: DocumentCheck) -> None:
    _document_checks[kind] = check


MAX_BUNDLE_BYTES = 64 * 1024 * 1024

README = """# Evidence bundle

This zip proves what the platform's audit trail records about one subject ({subject}).

## What is inside
- `bundle.json`: the subject, the checkpoint, every audit entry about the subject with its
  RFC 6962 inclusion proof, and any documents and records attached by the platform.
- `checkpoint/signed_tree_head.json`: the signed tree head, byte for byte as signed
  (RFC 8785 canonical JSON); `checkpoint/signature.bin`: its raw Ed25519 signature;
  `checkpoint/public_key.pem`: the audit public key.
- `entries/<seq>.json`: each audit entry's canonical JSON: the bytes that were hashed.

## Check it by hand
1. The checkpoint signature (OpenSSL 3):
   `openssl pkeyutl -verify -pubin -inkey checkpoint/public_key.pem -rawin
   -in checkpoint/signed_tree_head.json -sigfile checkpoint/signature.bin`
   Then compare the public key with the one the platform publishes: a bundle can carry any key.
2. Each entry is a leaf of the audit log's Merkle tree: leaf hash = SHA-256(0x00 || entry bytes)
   (`(printf '\\000'; cat entries/N.json) | sha256sum`). Fold it with the `audit_path` hashes from
   `bundle.json` as in RFC 9162 section 2.1.3.2 and you must reach the checkpoint's `root_hash`.
3. Each entry's `entry_hash` = SHA-256(bytes of prev_hash || entry bytes) links it into the
   hash chain (prev_hash is hex in bundle.json; decode it to 32 bytes first).
4. Or run `python manage.py verify_evidence bundle.zip [--public-key KEY.pem]` from the platform's
   source, which does all of the above without a database.

## Compare with the keys the platform publishes
A bundle carries its own keys, which prove only that it is self-consistent. The platform publishes
its trust roots, without an account, listed at {base}/.well-known/ :
- licence keys (JWKS): {base}/.well-known/jwks.json : every `kid` and `x` in a licence
  document's `keys` must appear there (only pinned platform keys and certified owner keys do);
- audit keys: {base}/.well-known/audit-keys.json : `checkpoint/public_key.pem` must be one of them;
- C2PA trust anchors (PEM): {base}/.well-known/c2pa-trust-anchors.pem : give it to any C2PA reader
  as its trust anchors and a rendered output's manifest reads as trusted.
"""


def _public_base() -> str:
    from django.conf import settings

    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def _subject_entries(target_type: str, target_id: str, extra: list[tuple[str, str]]) -> list[AuditEntry]:
    from django.db.models import Q

    condition = Q(target_type=target_type, target_id=target_id)
    for other_type, other_id in extra:
        condition |= Q(target_type=other_type, target_id=other_id)
    return list(AuditEntry.objects.filter(condition).order_by("seq"))


def build_bundle(
    *,
    target_type: str,
    target_id: str,
    related_targets: list[tuple[str, str]] | None = None,
    documents: dict[str, Any] | None = None,
    records: dict[str, Any] | None = None,
) -> bytes:
    """A zip proving every audit entry about the subject (and related targets) against a fresh checkpoint."""
    checkpoint = audit_checkpoint_create()
    entries = _subject_entries(target_type, target_id, related_targets or [])
    signed = checkpoint_file(checkpoint)
    body: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": clock.now().isoformat(),
        "subject": {
            "target_type": target_type,
            "target_id": target_id,
            "related_targets": [list(pair) for pair in related_targets or []],
        },
        "checkpoint": signed,
        "entries": [],
        "documents": documents or {},
        "records": records or {},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            canonical = entry.as_record().canonical()
            path = inclusion_proof_for(seq=entry.seq, tree_size=checkpoint.tree_size)
            body["entries"].append(
                {
                    "seq": entry.seq,
                    "leaf_index": entry.seq - 1,
                    "file": f"entries/{entry.seq}.json",
                    "prev_hash": entry.prev_hash,
                    "entry_hash": entry.entry_hash,
                    "leaf_hash": merkle.leaf_hash(canonical).hex(),
                    "audit_path": [node.hex() for node in path],
                }
            )
            archive.writestr(f"entries/{entry.seq}.json", canonical)
        archive.writestr("checkpoint/signed_tree_head.json", jcs.dumps(signed["signed_tree_head"]))
        archive.writestr("checkpoint/signature.bin", base64.b64decode(signed["signature"]))
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signed["public_key"]))
        archive.writestr(
            "checkpoint/public_key.pem",
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        )
        archive.writestr("bundle.json", json.dumps(body, indent=2, sort_keys=True))
        archive.writestr("README.md", README.format(subject=f"{target_type} {target_id}", base=_public_base()))
    return buffer.getvalue()


@dataclass
class BundleReport:
    ok: bool = True
    subject: dict[str, Any] = field(default_factory=dict)
    tree_size: int = 0
    entries_verified: int = 0
    documents_verified: list[str] = field(default_factory=list)
    documents_unchecked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_BUNDLE_BYTES:
        raise ValueError(f"{name} is too large")
    return archive.read(name)


def verify_bundle(data: bytes, *, trusted_public_key: Ed25519PublicKey | None = None) -> BundleReport:
    """Check a bundle without the database. Every failure is named; nothing raises on bad input."""
    report = BundleReport()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        body = json.loads(_read(archive, "bundle.json"))
        _check_body(archive, body, report, trusted_public_key)
    except (KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile) as exc:
        report.fail(f"malformed bundle: {type(exc).__name__}: {exc}")
    return report


def _check_body(
    archive: zipfile.ZipFile, body: dict[str, Any], report: BundleReport, trusted_public_key: Ed25519PublicKey | None
) -> None:
    if body.get("format") != FORMAT:
        report.fail(f"unknown bundle format {body.get('format')!r}")
        return
    report.subject = body["subject"]
    head = body["checkpoint"]["signed_tree_head"]
    report.tree_size = int(head["tree_size"])
    bundled_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["checkpoint"]["public_key"]))
    key = trusted_public_key or bundled_key
    if not verify_document(head, body["checkpoint"]["signature"], key):
        report.fail("checkpoint signature does not verify" + (" with the trusted key" if trusted_public_key else ""))
    # The loose files are what `openssl pkeyutl` checks by hand, so they must say the same as bundle.json.
    if _read(archive, "checkpoint/signed_tree_head.json") != jcs.dumps(head):
        report.fail("checkpoint/signed_tree_head.json differs from bundle.json")
    if _read(archive, "checkpoint/signature.bin") != base64.b64decode(body["checkpoint"]["signature"]):
        report.fail("checkpoint/signature.bin differs from bundle.json")
    pem = bundled_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if _read(archive, "checkpoint/public_key.pem") != pem:
        report.fail("checkpoint/public_key.pem differs from bundle.json")
    root = bytes.fromhex(head["root_hash"])
    subjects = {(report.subject["target_type"], report.subject["target_id"])}
    subjects |= {(pair[0], pair[1]) for pair in report.subject.get("related_targets", [])}
    for kind, document in sorted(body.get("documents", {}).items()):
        check = _document_checks.get(kind)
        if check is None:
            report.documents_unchecked.append(kind)
            continue
        problems = check(document)
        for problem in problems:
            report.fail(f"document {kind}: {problem}")
        if not problems:
            report.documents_verified.append(kind)
    for item in body["entries"]:
        if _check_entry(archive, item=item, subjects=subjects, tree_size=report.tree_size, root=root, report=report):
            report.entries_verified += 1


def _check_entry(
    archive: zipfile.ZipFile,
    *,
    item: dict[str, Any],
    subjects: set[tuple[str, str]],
    tree_size: int,
    root: bytes,
    report: BundleReport,
) -> bool:
    seq = item["seq"]
    try:
        canonical = _read(archive, item["file"])
    except KeyError:
        report.fail(f"entry {seq}: file missing")
        return False
    document = json.loads(canonical)
    if jcs.dumps(document) != canonical or document.get("seq") != seq:
        report.fail(f"entry {seq}: not the canonical bytes of entry {seq}")
        return False
    ok = True
    if (document["target"]["type"], document["target"]["id"]) not in subjects:
        report.fail(f"entry {seq}: about another subject")
        ok = False
    if chain_hash(item["prev_hash"], canonical) != item["entry_hash"]:
        report.fail(f"entry {seq}: entry hash does not match its bytes")
        ok = False
    proof = [bytes.fromhex(h) for h in item["audit_path"]]
    if not merkle.verify_inclusion(
        leaf=merkle.leaf_hash(canonical), leaf_index=seq - 1, tree_size=tree_size, proof=proof, root=root
    ):
        report.fail(f"entry {seq}: inclusion proof does not reach the checkpoint root")
        ok = False
    return ok
