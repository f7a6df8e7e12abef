"""The platform's audit signing key (Ed25519) and signed tree heads.

Operators configure the key file (AUDIT_SIGNING_KEY_FILE, PKCS#8 PEM); the embedded default
generates one once under DATA_DIR and keeps it. The key id is the first 16 hex digits of the
SHA-256 of the raw public key, so a verifier can tell which key signed a checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.chain import format_time
from config import jcs

LOG_ID = "likeness-platform-audit"


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        if not settings.AUDIT_SIGNING_KEY_GENERATE:
            raise ImproperlyConfigured(f"audit signing key {path} does not exist")
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return loaded


@lru_cache(maxsize=4)
def _signing_key(path: str) -> Ed25519PrivateKey:
    return _load_or_create(Path(path))


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(str(settings.AUDIT_SIGNING_KEY_FILE))


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_raw(key)).hexdigest()[:16]


def tree_head_document(*, tree_size: int, root_hash: str, timestamp: datetime, signer_key_id: str) -> dict[str, Any]:
    return {
        "v": 1,
        "log": LOG_ID,
        "tree_size": tree_size,
        "root_hash": root_hash,
        "timestamp": format_time(timestamp),
        "key_id": signer_key_id,
    }


def sign_document(document: dict[str, Any]) -> str:
    return base64.b64encode(signing_key().sign(jcs.dumps(document))).decode("ascii")


def verify_document(document: dict[str, Any], signature_b64: str, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), jcs.dumps(document))
    except (InvalidSignature, ValueError):
        return False
    return True


def cosignature_document(*, signed_tree_head: dict[str, Any], witness_key_id: str, cosigned_at: str) -> dict[str, Any]:
    """What a witness signs (RFC 8785, Ed25519) to say it verified this tree head and its history."""
    return {
        "v": 1,
        "kind": "audit-cosignature",
        "log": LOG_ID,
        "signed_tree_head": signed_tree_head,
        "witness_key_id": witness_key_id,
        "cosigned_at": cosigned_at,
    }
