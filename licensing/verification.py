"""Checking a licence document's two signatures, with a cache of documents already verified.

The cache key is everything the verdict depends on: the licence id and version, the SHA-256 of the
exact signed bytes, both key ids and both signatures. Change any of them (an edited document, a
swapped signature) and it is a different key, so the document is verified afresh. Only verified
documents are cached, and only their content: a licence's status (revoked, expired, quota) is read
from the database on every check and never cached.

The cache is per process and bounded (LRU). Nothing in it needs to be shared between workers: a
miss costs one pair of verifications.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from licensing.documents import countersign_payload, digest, parse, verify
from licensing.refusals import RefusalReason
from licensing.scope import Scope

CACHE_SIZE = 4096
KeyLookup = Callable[[str], bytes | None]


@dataclass(frozen=True)
class VerifiedDocument:
    document: dict[str, Any]
    scope: Scope
    sha256: str


@dataclass(frozen=True)
class SignedLicense:
    license_id: str
    version: int
    document: str  # the canonical JSON text that was signed
    owner_key_id: str
    owner_signature: str
    platform_key_id: str
    platform_signature: str


_cache: OrderedDict[tuple[str, ...], VerifiedDocument] = OrderedDict()
_lock = threading.Lock()


def cache_clear() -> None:
    with _lock:
        _cache.clear()


def _cache_key(signed: SignedLicense, sha256: str) -> tuple[str, ...]:
    return (
        signed.license_id,
        str(signed.version),
        sha256,
        signed.owner_key_id,
        signed.owner_signature,
        signed.platform_key_id,
        signed.platform_signature,
    )


def verify_signed(
    signed: SignedLicense, *, owner_key: KeyLookup, platform_key: KeyLookup
) -> VerifiedDocument | RefusalReason:
    """Verify both signatures over the stored bytes (or find them verified before)."""
    data = signed.document.encode()
    sha256 = digest(data)
    key = _cache_key(signed, sha256)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    owner_public = owner_key(signed.owner_key_id)
    if owner_public is None or not verify(owner_public, signed.owner_signature, data):
        return RefusalReason.OWNER_SIGNATURE_INVALID
    try:
        document = parse(signed.document)
        scope = Scope.from_document(document["scope"])
    except (ValueError, KeyError, TypeError):
        return RefusalReason.DOCUMENT_MISMATCH
    platform_public = platform_key(signed.platform_key_id)
    payload = countersign_payload(
        document=document, owner_signature=signed.owner_signature, platform_key_id=signed.platform_key_id
    )
    if platform_public is None or not verify(platform_public, signed.platform_signature, payload):
        return RefusalReason.PLATFORM_SIGNATURE_INVALID
    verified = VerifiedDocument(document=document, scope=scope, sha256=sha256)
    with _lock:
        _cache[key] = verified
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return verified
