"""What a witness runs (`manage.py audit_witness URL --state DIR`): no database, only the platform's
public endpoints and a state folder of its own.

1. Fetch the published audit keys (/.well-known/audit-keys.json) and the newest checkpoint
   (/api/v1/audit/checkpoints/latest).
2. Check the checkpoint's signature under the key its key_id names, at a time that key was valid.
   A key id seen before must keep the same key (`keys.json` in the state folder pins them).
3. Compare it with the checkpoint kept from the last run (`checkpoint.json`): a smaller tree is a
   rollback, the same size with another root a fork, a larger one must come with a consistency
   proof (/.well-known/audit/consistency) from the kept root to the new one.
4. Keep it, cosign it with the witness's own Ed25519 key (`witness-key.pem`, made on first use unless
   --key names one) and, with --post, send the cosignature to the platform.

A checkpoint that fails is never kept: it is written to `rejected/` as evidence and the run fails
with a stable code (unknown_key, key_not_valid, bad_signature, key_changed, rollback, fork,
inconsistent, no_proof, fetch_failed, bad_response). A platform whose history was rewritten can no longer
show a witness a consistent path from what it kept.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import merkle
from audit.chain import format_time
from audit.keys import AuditKey, key_from_jwk, parse_time
from audit.signing import cosignature_document, key_id
from config import jcs

TIMEOUT_SECONDS = 20
MAX_RESPONSE_BYTES = 4 * 1024 * 1024


class WitnessFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class WitnessResult:
    outcome: str  # first | consistent | unchanged
    tree_size: int
    root_hash: str
    previous_tree_size: int | None
    witness_key_id: str
    witness_public_key: str
    cosignature: dict[str, Any]
    posted: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _fetch(url: str, *, data: dict[str, Any] | None = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise WitnessFailure("fetch_failed", f"{url} is not an http(s) URL")
    request = urllib.request.Request(url, data=body, method="GET" if data is None else "POST")  # noqa: S310
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - URL from the operator
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise WitnessFailure("fetch_failed", f"{url} answered {exc.code}: {exc.read(2000)!r}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise WitnessFailure("fetch_failed", f"{url}: {exc}") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise WitnessFailure("bad_response", f"{url} answered more than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(raw)
    except ValueError:
        raise WitnessFailure("bad_response", f"{url} did not answer JSON") from None


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        pem = serialization.Encoding.PEM
        path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise WitnessFailure("bad_witness_key", f"{path} is not an Ed25519 private key")
    return loaded


def witness_public_key(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode("ascii")


class Witness:
    def __init__(self, base_url: str, state: Path, key_file: Path | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.state = state
        self.state.mkdir(parents=True, exist_ok=True)
        self.key = load_or_create_key(key_file or state / "witness-key.pem")
        self.key_id = key_id(self.key.public_key())

    def url(self, path: str, **query: int) -> str:
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self.base_url}{path}{suffix}"

    # --- state ---------------------------------------------------------------------------------

    def _read(self, name: str) -> Any:
        path = self.state / name
        return json.loads(path.read_text()) if path.exists() else None

    def _write(self, name: str, value: Any) -> None:
        path = self.state / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(value, indent=2, sort_keys=True))
        temporary.replace(path)

    def _reject(self, code: str, message: str, evidence: dict[str, Any]) -> WitnessFailure:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self._write(f"rejected/{stamp}-{code}.json", {"code": code, "message": message, **evidence})
        return WitnessFailure(code, message)

    # --- checks --------------------------------------------------------------------------------

    def trusted_keys(self) -> dict[str, AuditKey]:
        published = _fetch(self.url("/.well-known/audit-keys.json"))
        pinned: dict[str, str] = self._read("keys.json") or {}
        keys: dict[str, AuditKey] = {}
        try:
            for jwk in published["keys"]:
                key = key_from_jwk(jwk)
                keys[key.key_id] = key
        except (KeyError, TypeError, ValueError) as exc:
            raise WitnessFailure("bad_response", f"the published audit keys are malformed: {exc}") from None
        for kid, key in keys.items():
            x = base64.b64encode(key.public_key.public_bytes_raw()).decode("ascii")
            if pinned.get(kid, x) != x:
                raise self._reject("key_changed", f"key {kid} is now published with other key material", published)
            pinned[kid] = x
        self._write("keys.json", pinned)
        return keys

    def check_signature(self, checkpoint: dict[str, Any], keys: dict[str, AuditKey]) -> None:
        head = checkpoint["signed_tree_head"]
        key = keys.get(str(head.get("key_id")))
        if key is None:
            raise self._reject("unknown_key", f"no published key has id {head.get('key_id')}", checkpoint)
        moment = parse_time(str(head["timestamp"]))
        if moment is None or not key.valid_at(moment):
            raise self._reject("key_not_valid", f"key {key.key_id} was not valid at {head['timestamp']}", checkpoint)
        try:
            key.public_key.verify(base64.b64decode(checkpoint["signature"]), jcs.dumps(head))
        except (InvalidSignature, ValueError):
            raise self._reject("bad_signature", "the checkpoint's signature does not verify", checkpoint) from None

    def check_history(self, kept: dict[str, Any] | None, checkpoint: dict[str, Any]) -> str:
        head = checkpoint["signed_tree_head"]
        if kept is None:
            return "first"
        old = kept["signed_tree_head"]
        size, old_size = int(head["tree_size"]), int(old["tree_size"])
        evidence = {"kept": kept, "offered": checkpoint}
        if size < old_size:
            raise self._reject("rollback", f"the log shrank from {old_size} to {size} entries", evidence)
        if size == old_size:
            if head["root_hash"] != old["root_hash"]:
                raise self._reject("fork", f"two different roots for tree size {size}", evidence)
            return "unchanged"
        try:
            proof = _fetch(self.url("/.well-known/audit/consistency", first=old_size, second=size))
        except WitnessFailure as exc:
            raise self._reject("no_proof", f"the platform gave no consistency proof: {exc.message}", evidence) from None
        try:
            path = [bytes.fromhex(node) for node in proof["consistency_path"]]
        except (KeyError, TypeError, ValueError):
            raise WitnessFailure("bad_response", "the consistency proof is malformed") from None
        consistent = merkle.verify_consistency(
            first=old_size,
            second=size,
            first_root=bytes.fromhex(old["root_hash"]),
            second_root=bytes.fromhex(head["root_hash"]),
            proof=path,
        )
        if not consistent:
            raise self._reject(
                "inconsistent",
                f"the tree of {size} entries does not extend the one of {old_size} this witness kept",
                {**evidence, "proof": proof},
            )
        return "consistent"

    def cosign(self, checkpoint: dict[str, Any]) -> dict[str, Any]:
        cosigned_at = format_time(datetime.now(UTC))
        document = cosignature_document(
            signed_tree_head=checkpoint["signed_tree_head"], witness_key_id=self.key_id, cosigned_at=cosigned_at
        )
        signature = base64.b64encode(self.key.sign(jcs.dumps(document))).decode("ascii")
        return {"witness_key_id": self.key_id, "cosigned_at": cosigned_at, "signature": signature}

    def run(self, *, post: bool = False) -> WitnessResult:
        keys = self.trusted_keys()
        checkpoint = _fetch(self.url("/api/v1/audit/checkpoints/latest"))
        try:
            head = checkpoint["signed_tree_head"]
            size = int(head["tree_size"])
        except (KeyError, TypeError, ValueError):
            raise WitnessFailure("bad_response", "the latest checkpoint is malformed") from None
        self.check_signature(checkpoint, keys)
        kept = self._read("checkpoint.json")
        outcome = self.check_history(kept, checkpoint)
        kept_checkpoint = {"signed_tree_head": head, "signature": checkpoint["signature"]}
        self._write("checkpoint.json", kept_checkpoint)
        self._write(f"history/{size:012d}.json", kept_checkpoint)
        cosignature = self.cosign(checkpoint)
        self._write(f"cosignatures/{size:012d}.json", {**cosignature, "signed_tree_head": head})
        result = WitnessResult(
            outcome=outcome,
            tree_size=size,
            root_hash=str(head["root_hash"]),
            previous_tree_size=None if kept is None else int(kept["signed_tree_head"]["tree_size"]),
            witness_key_id=self.key_id,
            witness_public_key=witness_public_key(self.key),
            cosignature=cosignature,
        )
        if post:
            result.posted = _fetch(self.url(f"/api/v1/audit/checkpoints/{size}/cosignatures"), data=cosignature)
        return result
