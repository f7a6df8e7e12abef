"""API token format and hashing. Pure.

A token reads `lkp_<prefix>_<secret>`: the prefix (8 characters) is stored in clear so a user can
tell their tokens apart; the whole token is stored only as its SHA-256. A plain hash is enough (no
slow KDF) because the secret is 256 random bits, not a password a person chose.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

TOKEN_PATTERN = re.compile(r"^lkp_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


@dataclass(frozen=True)
class NewToken:
    plaintext: str
    prefix: str
    digest: str


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("ascii")).hexdigest()


def generate_token() -> NewToken:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    plaintext = f"lkp_{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(plaintext=plaintext, prefix=prefix, digest=token_digest(plaintext))


def is_well_formed(candidate: str) -> bool:
    return TOKEN_PATTERN.fullmatch(candidate) is not None
