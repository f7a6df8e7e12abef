"""Key material: the platform's licence-signing key and the key that encrypts secrets at rest.

The platform key (LICENSE_SIGNING_KEY_FILE, PKCS#8 PEM) is separate from the audit key. The
embedded default generates it once under DATA_DIR; in production the operator supplies it and sets
LICENSE_SIGNING_KEY_GENERATE=false. Rotation is replacing the file: services register every key
they sign with (licensing.PlatformKey), so the old public key stays published and verifiable.

Custodial owner keys and webhook secrets are encrypted with AES-256-GCM under a key-encryption key
(LICENSE_KEY_ENCRYPTION_KEY_FILE); the row's id is the associated data, so a ciphertext copied onto
another row does not decrypt.

Files are created atomically (written aside, then linked into place), so several processes starting
at once agree on one key instead of racing to write different ones.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from licensing.documents import key_id, public_raw

PLATFORM_KID_PREFIX = "platform"
OWNER_KID_PREFIX = "owner"


def _create_once(path: Path, content: bytes) -> bytes:
    """Write `content` to `path` unless it exists; return what is there afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return path.read_bytes()


def _generate_allowed(path: Path) -> None:
    if not settings.LICENSE_SIGNING_KEY_GENERATE:
        raise ImproperlyConfigured(f"{path} does not exist (and LICENSE_SIGNING_KEY_GENERATE is false)")


@lru_cache(maxsize=8)
def _platform_key(path: str) -> Ed25519PrivateKey:
    file = Path(path)
    if file.exists():
        pem = file.read_bytes()
    else:
        _generate_allowed(file)
        fresh = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        pem = _create_once(file, fresh)
    loaded = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return loaded


def platform_signing_key() -> Ed25519PrivateKey:
    return _platform_key(str(settings.LICENSE_SIGNING_KEY_FILE))


def platform_key_id(key: Ed25519PrivateKey | None = None) -> str:
    key = key or platform_signing_key()
    return key_id(public_raw(key.public_key()), prefix=PLATFORM_KID_PREFIX)


@lru_cache(maxsize=8)
def _encryption_key(path: str) -> bytes:
    file = Path(path)
    if file.exists():
        text = file.read_bytes()
    else:
        _generate_allowed(file)
        text = _create_once(file, base64.b64encode(secrets.token_bytes(32)))
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{path} is not base64") from None
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{path} must hold 32 bytes (base64)")
    return raw


def encrypt(plaintext: bytes, *, context: str) -> bytes:
    nonce = secrets.token_bytes(12)
    aead = AESGCM(_encryption_key(str(settings.LICENSE_KEY_ENCRYPTION_KEY_FILE)))
    return nonce + aead.encrypt(nonce, plaintext, context.encode())


def decrypt(ciphertext: bytes, *, context: str) -> bytes:
    aead = AESGCM(_encryption_key(str(settings.LICENSE_KEY_ENCRYPTION_KEY_FILE)))
    return aead.decrypt(bytes(ciphertext[:12]), bytes(ciphertext[12:]), context.encode())
