"""Licence documents: their canonical bytes, signatures and public keys. Pure functions, no database.

A licence is an RFC 8785 (JCS) canonical JSON document. Two Ed25519 signatures make it valid:

    owner_signature    = Ed25519(owner key,    canonical(document))
    platform_signature = Ed25519(platform key, canonical(countersign_payload(document, owner_signature)))

where the countersign payload is `{"document": <document>, "owner_signature": <b64url>,
"platform_key_id": <kid>}`: the platform vouches for exactly this document with exactly this owner
signature. Signatures and keys are base64url without padding (as in JOSE), and key ids match the
`kid` of the JWKs published at /.well-known/jwks.json, so anyone can check a licence offline with
any Ed25519 implementation: canonicalise, look the key up by kid, verify.

Revocations and status answers are separate documents, signed by the platform the same way.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from config import jcs

LICENSE_TYPE = "likeness-licence"
REVOCATION_TYPE = "likeness-licence-revocation"
STATUS_TYPE = "likeness-licence-status"
FORMAT = 1


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: refuses characters outside the url-safe alphabet and non-canonical padding bits."""
    if not isinstance(text, str) or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(raw) != text:
        raise ValueError("non-canonical base64url")
    return raw


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def format_time(moment: datetime) -> str:
    """UTC, second precision, `Z` suffix: the one time format inside signed documents."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def canonical(document: dict[str, Any]) -> bytes:
    return jcs.dumps(document)


def parse(canonical_text: str) -> dict[str, Any]:
    value = json.loads(canonical_text)
    if not isinstance(value, dict):
        raise ValueError("a document is a JSON object")
    return value


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Keys ---------------------------------------------------------------------------------------


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def key_id(public_key: bytes, *, prefix: str) -> str:
    """`<prefix>-<first 16 hex digits of sha256(raw public key)>`: stable, and says whose key it is."""
    return f"{prefix}-{hashlib.sha256(public_key).hexdigest()[:16]}"


def jwk(*, public_key: bytes, kid: str) -> dict[str, Any]:
    """RFC 8037 OKP JWK for an Ed25519 public key."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key), "kid": kid, "use": "sig", "alg": "EdDSA"}


def load_public(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- Signing and verifying ----------------------------------------------------------------------


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return b64url(key.sign(data))


@lru_cache(maxsize=256)
def _loaded_public(raw: bytes) -> Ed25519PublicKey:
    # A loaded key is immutable: load each (of the few keys in use) once, not on every verification.
    return load_public(raw)


def verify(public_key: bytes, signature: str, data: bytes) -> bool:
    try:
        raw = b64url_decode(signature)
        _loaded_public(bytes(public_key)).verify(raw, data)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- The documents ------------------------------------------------------------------------------


def license_document(
    *,
    license_id: str,
    version: int,
    likeness: dict[str, str],
    owner_key_id: str,
    licensee: dict[str, str],
    scope: dict[str, Any],
    issued_at: datetime,
) -> dict[str, Any]:
    return {
        "type": LICENSE_TYPE,
        "format": FORMAT,
        "license_id": license_id,
        "version": version,
        "licensor": {**likeness, "owner_key_id": owner_key_id},
        "licensee": licensee,
        "scope": scope,
        "issued_at": format_time(issued_at),
    }


def countersign_payload(*, document: dict[str, Any], owner_signature: str, platform_key_id: str) -> bytes:
    return canonical({"document": document, "owner_signature": owner_signature, "platform_key_id": platform_key_id})


def revocation_document(
    *, license_id: str, version: int, revoked_at: datetime, reason: str | None, revoked_by: str, platform_key_id: str
) -> dict[str, Any]:
    """The signed revocation. `reason` is a platform code (e.g. likeness_erased) or None: an owner's own
    words stay private (the record is public through the status endpoint)."""
    return {
        "type": REVOCATION_TYPE,
        "format": FORMAT,
        "license_id": license_id,
        "version": version,
        "revoked_at": format_time(revoked_at),
        "reason": reason,
        "revoked_by": revoked_by,
        "platform_key_id": platform_key_id,
    }


def status_document(
    *, license_id: str, status: str, since: datetime, checked_at: datetime, reason: str | None, platform_key_id: str
) -> dict[str, Any]:
    return {
        "type": STATUS_TYPE,
        "format": FORMAT,
        "license_id": license_id,
        "status": status,
        "since": format_time(since),
        "reason": reason,
        "checked_at": format_time(checked_at),
        "platform_key_id": platform_key_id,
    }
