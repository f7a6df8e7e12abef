"""Envelope encryption of biometric data: AES-256-GCM under a per-likeness data key.

Each likeness has its own random 256-bit data key, kept OUTSIDE the database in the key store
(likeness/keystore.py; the file store keeps it wrapped by the key-encryption key, KEK). The
database holds only ciphertext and a key reference. Erasure destroys the key in the store, which
makes every photo and embedding of that likeness unreadable wherever copies of their ciphertext
survive: PostgreSQL's dead tuples and WAL, database backups (taken before or after the erasure),
a bucket's old versions. Copies of the key store's own backups stay readable until they expire
(LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS; deploy/OPERATIONS.md), after which the face is gone
from every copy. Database backups from before the key store existed (migration 0003) still hold
KEK-wrapped keys and stay readable until they expire too.

The KEK comes from, in order: LIKENESS_KEK (base64 of 32 bytes), or the file LIKENESS_KEK_FILE,
generated once in the embedded default (LIKENESS_KEK_GENERATE=true, like the audit signing key).
With LIKENESS_KMS_KEY_ID set, that value or file holds instead a KMS ciphertext of the KEK, which
is decrypted once per process through boto3; the per-likeness keys are then wrapped locally, so a
search over every enrolled face needs one KMS call, not one per likeness.

Every ciphertext is bound to what it is (associated data naming the likeness and the object), so
a blob moved to another row or likeness does not decrypt. Format: version byte, 12-byte nonce,
ciphertext with the 16-byte tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32


class SealedDataUnreadable(Exception):
    """A ciphertext does not open: wrong key, destroyed key, or tampered bytes."""


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{source} is not valid base64") from None
    return key


def _kms_decrypt(blob: bytes, key_id: str) -> bytes:
    import boto3

    client = boto3.client("kms")
    response = client.decrypt(CiphertextBlob=blob, KeyId=key_id, EncryptionAlgorithm="SYMMETRIC_DEFAULT")
    return bytes(response["Plaintext"])


def _load_kek() -> bytes:
    kms_key_id = settings.LIKENESS_KMS_KEY_ID
    if settings.LIKENESS_KEK is not None:
        material = _decode_key(settings.LIKENESS_KEK, "LIKENESS_KEK")
    else:
        path = Path(settings.LIKENESS_KEK_FILE)
        if not path.exists():
            if kms_key_id is not None or not settings.LIKENESS_KEK_GENERATE:
                raise ImproperlyConfigured(f"likeness key-encryption key {path} does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n")
        material = _decode_key(path.read_text(), str(path))
    key = _kms_decrypt(material, kms_key_id) if kms_key_id is not None else material
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"the likeness key-encryption key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


_kek_lock = threading.Lock()
_kek_cache: dict[tuple[str | None, str, str | None], bytes] = {}


def kek() -> bytes:
    source = (settings.LIKENESS_KEK, str(settings.LIKENESS_KEK_FILE), settings.LIKENESS_KMS_KEY_ID)
    with _kek_lock:
        if source not in _kek_cache:
            _kek_cache.clear()
            _kek_cache[source] = _load_kek()
        return _kek_cache[source]


def kek_id() -> str:
    """Names the KEK (not secret) so a wrapped key says which KEK it needs."""
    return hashlib.sha256(b"likeness-kek-id:" + kek()).hexdigest()[:16]


def seal(key: bytes, plaintext: bytes, *, context: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode("utf-8"))


def unseal(key: bytes, blob: bytes, *, context: str) -> bytes:
    blob = bytes(blob)
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != VERSION:
        raise SealedDataUnreadable(f"not a sealed blob ({context})")
    try:
        return AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], context.encode("utf-8"))
    except InvalidTag:
        raise SealedDataUnreadable(f"sealed blob does not open ({context})") from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_data_key(data_key: bytes, *, likeness_id: str) -> bytes:
    return seal(kek(), data_key, context=f"likeness-data-key:{likeness_id}")


def unwrap_data_key(wrapped: bytes | None, *, likeness_id: str) -> bytes:
    if wrapped is None:
        raise SealedDataUnreadable(f"the data key of likeness {likeness_id} has been destroyed")
    return unseal(kek(), wrapped, context=f"likeness-data-key:{likeness_id}")


def photo_context(likeness_id: str, photo_id: str) -> str:
    return f"reference-photo:{likeness_id}:{photo_id}"


def embedding_context(likeness_id: str, photo_id: str) -> str:
    return f"face-embedding:{likeness_id}:{photo_id}"
