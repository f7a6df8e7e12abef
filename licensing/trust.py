"""What licences are trusted under, and why a database writer cannot mint any of it.

- Platform keys are pinned from configuration: the current key file (LICENSE_SIGNING_KEY_FILE) and
  the retired public keys in LICENSE_PUBLIC_KEYS_DIR, one JWK file each (`<kid>.json`, written by
  `manage.py keys rotate license`). A PlatformKey row is history, never trust: a row whose key is not
  in this set verifies nothing and is not published.
- Owner keys are certified by the platform: a key-registration record, signed by a pinned platform
  key, stored with the OwnerKey row. It binds the kid, the raw public key and the owner. A row
  inserted or edited by hand has no record that verifies, so it is refused and never published.
- Licence state is read from signed records: a licence with a validly signed revocation of its
  version is revoked whatever the `status` column says (`revocation_on_record`), and a licence is
  only in force with the owner's signature and a pinned platform countersignature.

Everything here but `trusted_owner_key` is free of the database; the certificate checks are pure
and shared with the offline evidence check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from licensing.documents import (
    FORMAT,
    REVOCATION_TYPE,
    b64url,
    b64url_decode,
    canonical,
    format_time,
    jwk,
    key_id,
    load_public,
    parse,
    public_raw,
    verify,
)
from licensing.keys import OWNER_KID_PREFIX, PLATFORM_KID_PREFIX, _platform_key
from licensing.refusals import RefusalReason

OWNER_KEY_CERTIFICATE_TYPE = "likeness-owner-key-registration"


# --- Pinned platform keys -------------------------------------------------------------------------


def _jwk_key(document: Any) -> tuple[str, bytes]:
    if not isinstance(document, dict) or document.get("kty") != "OKP" or document.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 OKP JWK")
    raw = b64url_decode(str(document["x"]))
    load_public(raw)
    kid = key_id(raw, prefix=PLATFORM_KID_PREFIX)
    if document.get("kid") != kid:
        raise ValueError("kid is not the key id of x")
    return kid, raw


@lru_cache(maxsize=8)
def _pinned(key_file: str, folder: str) -> Mapping[str, bytes]:
    keys: dict[str, bytes] = {}
    directory = Path(folder)
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            try:
                kid, raw = _jwk_key(json.loads(path.read_text()))
            except (KeyError, TypeError, ValueError) as exc:
                raise ImproperlyConfigured(f"licence public key file {path} is malformed: {exc}") from None
            keys[kid] = raw
    current = public_raw(_platform_key(key_file).public_key())
    keys[key_id(current, prefix=PLATFORM_KID_PREFIX)] = current
    return MappingProxyType(keys)


def pinned_platform_keys() -> Mapping[str, bytes]:
    """Every platform key a signature is trusted under, by kid: retired files, then the current key."""
    return _pinned(str(settings.LICENSE_SIGNING_KEY_FILE), str(settings.LICENSE_PUBLIC_KEYS_DIR))


def forget_pinned_keys() -> None:
    _pinned.cache_clear()


def retire_current_platform_key() -> Path:
    """Write the current key's public half to LICENSE_PUBLIC_KEYS_DIR (before the file is replaced).

    Idempotent: a key retired before is left as it is. The folder holds no secret."""
    current = public_raw(_platform_key(str(settings.LICENSE_SIGNING_KEY_FILE)).public_key())
    kid = key_id(current, prefix=PLATFORM_KID_PREFIX)
    folder = Path(settings.LICENSE_PUBLIC_KEYS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kid}.json"
    if not path.exists():
        path.write_text(json.dumps(jwk(public_key=current, kid=kid), indent=2, sort_keys=True) + "\n")
    forget_pinned_keys()
    return path


# --- Owner key certificates -----------------------------------------------------------------------


def owner_key_certificate_document(
    *, kid: str, owner_id: str, public_key: bytes, custody: str, registered_at: datetime, platform_key_id: str
) -> dict[str, Any]:
    return {
        "type": OWNER_KEY_CERTIFICATE_TYPE,
        "format": FORMAT,
        "kid": kid,
        "owner_id": owner_id,
        "public_key": b64url(public_key),
        "custody": custody,
        "registered_at": format_time(registered_at),
        "platform_key_id": platform_key_id,
    }


def certified_owner(
    *, kid: str, public_key: bytes, certificate: str, signature: str, platform_keys: Mapping[str, bytes]
) -> str | None:
    """The owner id the certificate binds `kid` and `public_key` to, or None if it does not verify."""
    if not certificate or not signature:
        return None
    signer = platform_keys.get(_signer_kid(certificate))
    if signer is None:
        return None
    return _certified_owner(kid, public_key, certificate, signature, signer)


@lru_cache(maxsize=4096)
def _signer_kid(certificate: str) -> str:
    try:
        return str(parse(certificate).get("platform_key_id", ""))
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def _certified_owner(kid: str, public_key: bytes, certificate: str, signature: str, signer: bytes) -> str | None:
    # Pure in its arguments (the signer's key is one of them), so a cached verdict is always right;
    # whether that signer is pinned is asked afresh by the caller.
    record = parse(certificate)
    if (
        canonical(record) != certificate.encode()
        or record.get("type") != OWNER_KEY_CERTIFICATE_TYPE
        or record.get("kid") != kid
        or record.get("public_key") != b64url(public_key)
        or not isinstance(record.get("owner_id"), str)
        or not verify(signer, signature, certificate.encode())
    ):
        return None
    owner_id: str = record["owner_id"]
    return owner_id


@dataclass(frozen=True)
class TrustedOwnerKey:
    kid: str
    public_key: bytes
    owner_id: str


def owner_key_trust(
    *, kid: str, public_key: bytes | None, certificate: str | None, signature: str | None
) -> TrustedOwnerKey | RefusalReason:
    """An owner key row's fields, judged: trusted (certified by a pinned key) or why not."""
    if public_key is None:
        return RefusalReason.OWNER_SIGNATURE_INVALID
    owner_id = certified_owner(
        kid=kid,
        public_key=public_key,
        certificate=certificate or "",
        signature=signature or "",
        platform_keys=pinned_platform_keys(),
    )
    if owner_id is None or key_id(public_key, prefix=OWNER_KID_PREFIX) != kid:
        return RefusalReason.KEY_NOT_CERTIFIED
    return TrustedOwnerKey(kid=kid, public_key=public_key, owner_id=owner_id)


def trusted_owner_key(kid: str) -> TrustedOwnerKey | RefusalReason:
    from licensing.models import OwnerKey

    row = OwnerKey.objects.filter(kid=kid).values_list("public_key", "certificate", "certificate_signature").first()
    if row is None:
        return RefusalReason.OWNER_SIGNATURE_INVALID
    return owner_key_trust(kid=kid, public_key=bytes(row[0]), certificate=row[1], signature=row[2])


# --- Revocations ----------------------------------------------------------------------------------


def revocation_on_record(
    *, license_id: str, version: int, revocation: str | None, signature: str | None, platform_keys: Mapping[str, bytes]
) -> bool:
    """Whether `revocation` is a revocation of this licence version, signed by a pinned key."""
    if not revocation or not signature:
        return False
    signer = platform_keys.get(_revocation_signer_kid(revocation))
    return signer is not None and _revocation_verdict(license_id, version, revocation, signature, signer)


@lru_cache(maxsize=4096)
def _revocation_signer_kid(revocation: str) -> str:
    try:
        return str(parse(revocation).get("platform_key_id", ""))
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def _revocation_verdict(license_id: str, version: int, revocation: str, signature: str, signer: bytes) -> bool:
    # Pure in its arguments, like _certified_owner: whether the signer is pinned is asked afresh by the caller.
    try:
        record = parse(revocation)
    except ValueError:
        return False
    return (
        record.get("type") == REVOCATION_TYPE
        and record.get("license_id") == license_id
        and record.get("version") == version
        and verify(signer, signature, revocation.encode())
    )
