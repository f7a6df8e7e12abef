"""The audit keyring: every public key a checkpoint may be signed under, with its validity period.

Trust comes from configuration only, never from the database (a database writer must not be able
to add a key): the current key is the private key file (AUDIT_SIGNING_KEY_FILE), and each retired
key is a JWK file in AUDIT_PUBLIC_KEYS_DIR (written by `manage.py audit_key_retire`):

    {"kty": "OKP", "crv": "Ed25519", "x": "<base64url raw key>", "kid": "<key id>",
     "not_before": "2026-01-01T00:00:00.000000Z" | null, "not_after": "2026-11-29T23:00:00.000000Z"}

A checkpoint verifies when its signature verifies under the key its `key_id` names and its
timestamp lies in [not_before, not_after) of that key. The current key is valid from the latest
retirement on, with no end. The same set is published at /.well-known/audit-keys.json.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.chain import format_time
from audit.signing import LOG_ID, key_id, public_key_raw, signing_key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    public_key: Ed25519PublicKey
    not_before: datetime | None
    not_after: datetime | None
    current: bool

    def valid_at(self, moment: datetime) -> bool:
        if self.not_before is not None and moment < self.not_before:
            return False
        return self.not_after is None or moment < self.not_after

    def as_jwk(self) -> dict[str, Any]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.key_id,
            "x": _b64url(public_key_raw(self.public_key)),
            "not_before": None if self.not_before is None else format_time(self.not_before),
            "not_after": None if self.not_after is None else format_time(self.not_after),
            "status": "current" if self.current else "retired",
        }


def key_from_jwk(jwk: dict[str, Any], *, current: bool = False) -> AuditKey:
    """Parse one published or configured key; raises ValueError on anything malformed."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 OKP key")
    raw = _from_b64url(str(jwk["x"]))
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    public = Ed25519PublicKey.from_public_bytes(raw)
    if jwk.get("kid") != key_id(public):
        raise ValueError("kid is not the key id of x")
    return AuditKey(
        key_id=key_id(public),
        public_key=public,
        not_before=parse_time(jwk.get("not_before")),
        not_after=parse_time(jwk.get("not_after")),
        current=current,
    )


def retired_keys() -> list[AuditKey]:
    folder = Path(settings.AUDIT_PUBLIC_KEYS_DIR)
    if not folder.is_dir():
        return []
    keys = []
    for path in sorted(folder.glob("*.json")):
        try:
            keys.append(key_from_jwk(json.loads(path.read_text())))
        except (KeyError, ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"audit public key file {path} is malformed: {exc}") from None
    return keys


def audit_keys() -> dict[str, AuditKey]:
    """Every trusted audit key by key id: the retired ones from configuration, then the current one."""
    keys = {key.key_id: key for key in retired_keys()}
    current = signing_key().public_key()
    current_id = key_id(current)
    if current_id not in keys:  # a retired file for the current key means it was retired: it stays retired
        ends = [key.not_after for key in keys.values() if key.not_after is not None]
        keys[current_id] = AuditKey(
            key_id=current_id, public_key=current, not_before=max(ends, default=None), not_after=None, current=True
        )
    return keys


def published_key_set() -> dict[str, Any]:
    """The JSON at /.well-known/audit-keys.json."""
    keys = sorted(
        audit_keys().values(), key=lambda key: (key.current, key.not_before or datetime.min.replace(tzinfo=UTC))
    )
    return {"log": LOG_ID, "keys": [key.as_jwk() for key in keys]}


def current_signing_key_retired() -> bool:
    current = key_id(signing_key().public_key())
    return any(key.key_id == current for key in retired_keys())


def retire_current_key(*, not_after: datetime, not_before: datetime | None = None) -> Path:
    """Write the current public key to AUDIT_PUBLIC_KEYS_DIR, valid until `not_after`. Returns the file."""
    public = signing_key().public_key()
    if not_before is None:
        ends = [key.not_after for key in retired_keys() if key.not_after is not None]
        not_before = max(ends, default=None)
    record = AuditKey(
        key_id=key_id(public), public_key=public, not_before=not_before, not_after=not_after, current=False
    )
    jwk = record.as_jwk()
    del jwk["status"]
    folder = Path(settings.AUDIT_PUBLIC_KEYS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.key_id}.json"
    if path.exists():
        raise ImproperlyConfigured(f"key {record.key_id} is already retired ({path})")
    path.write_text(json.dumps(jwk, indent=2, sort_keys=True) + "\n")
    return path


def write_new_signing_key() -> str:
    """Replace the private key file with a fresh key (embedded default and tests); returns its key id."""
    from audit.signing import _signing_key

    new = Ed25519PrivateKey.generate()
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(
        new.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    _signing_key.cache_clear()
    return key_id(new.public_key())
