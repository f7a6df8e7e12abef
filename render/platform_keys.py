"""Every key the platform needs, made, shown and rotated by one command (`manage.py keys`).

| kind | settings (files) | what it is |
| --- | --- | --- |
| license | LICENSE_SIGNING_KEY_FILE | Ed25519 key countersigning licences (public half in the JWKS) |
| audit | AUDIT_SIGNING_KEY_FILE | Ed25519 key signing audit checkpoints |
| c2pa | PROVENANCE_CERT_CHAIN_FILE, PROVENANCE_KEY_FILE, PROVENANCE_TRUST_ANCHOR_FILE | C2PA signer |
| watermark | WATERMARK_KEY_FILE | 32 secret bytes of the invisible watermark |
| license-kek | LICENSE_KEY_ENCRYPTION_KEY_FILE | AES key wrapping custodial owner keys, webhook secrets |
| likeness-kek | LIKENESS_KEK_FILE | AES key wrapping each likeness's data key |

`keys_init` creates what is missing and never touches a file that exists, so running it twice
changes nothing. `keys_show` prints only public halves and ids. `keys_rotate` replaces a key where
the platform keeps the old one verifiable: `license` (every key ever used stays in PlatformKey and
the JWKS) and `c2pa` (the old root stays in the trust-anchor bundle). The others are refused, with
the reason: rotating them would make existing marks, checkpoints or ciphertexts unreadable.

Where a key's *_GENERATE setting is false (the production default) a missing file is a system check
error (`keys.E001`), reported by `check --deploy` and refusing gunicorn's start (config/wsgi.py),
instead of the loaders quietly making a new identity.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core import checks

from audit import signing as audit_signing
from licensing import keys as licensing_keys
from licensing.documents import b64url, key_id, public_raw
from likeness import crypto as likeness_crypto
from render import c2pa_manifest


class KeyOperationRefused(Exception):
    """A key operation that cannot be done (message says why); nothing was changed."""


@dataclass(frozen=True)
class KeyKind:
    name: str
    settings: tuple[str, ...]
    generate_setting: str
    refused_rotation: str | None = None


KINDS: dict[str, KeyKind] = {
    kind.name: kind
    for kind in (
        KeyKind("license", ("LICENSE_SIGNING_KEY_FILE",), "LICENSE_SIGNING_KEY_GENERATE"),
        KeyKind(
            "audit",
            ("AUDIT_SIGNING_KEY_FILE",),
            "AUDIT_SIGNING_KEY_GENERATE",
            "audit checkpoints are verified under the current key only; a new key would fail every old one",
        ),
        KeyKind(
            "c2pa",
            ("PROVENANCE_CERT_CHAIN_FILE", "PROVENANCE_KEY_FILE", "PROVENANCE_TRUST_ANCHOR_FILE"),
            "PROVENANCE_GENERATE_CREDENTIALS",
        ),
        KeyKind(
            "watermark",
            ("WATERMARK_KEY_FILE",),
            "WATERMARK_KEY_GENERATE",
            "marks are read with one key; a new key would make every existing mark unreadable",
        ),
        KeyKind(
            "license-kek",
            ("LICENSE_KEY_ENCRYPTION_KEY_FILE",),
            "LICENSE_SIGNING_KEY_GENERATE",
            "custodial owner keys and webhook secrets would need re-encryption first",
        ),
        KeyKind(
            "likeness-kek",
            ("LIKENESS_KEK_FILE",),
            "LIKENESS_KEK_GENERATE",
            "every likeness's wrapped data key would need re-wrapping first",
        ),
    )
}

# File names under `--dir`: the names deploy/k8s/config.env mounts them at (/keys/<name>).
FILE_NAMES = {
    "LICENSE_SIGNING_KEY_FILE": "license-signing-key.pem",
    "AUDIT_SIGNING_KEY_FILE": "audit-signing-key.pem",
    "PROVENANCE_CERT_CHAIN_FILE": "c2pa-chain.pem",
    "PROVENANCE_KEY_FILE": "c2pa-signer-key.pem",
    "PROVENANCE_TRUST_ANCHOR_FILE": "c2pa-root.pem",
    "WATERMARK_KEY_FILE": "watermark-key",
    "LICENSE_KEY_ENCRYPTION_KEY_FILE": "license-key-encryption-key",
    "LIKENESS_KEK_FILE": "likeness-kek.key",
}
PUBLIC_FILES = {"PROVENANCE_CERT_CHAIN_FILE", "PROVENANCE_TRUST_ANCHOR_FILE"}


def key_paths(kind: KeyKind, directory: Path | None = None) -> dict[str, Path]:
    """The files of one kind: under `directory` by their deployment names, else where settings say."""
    if directory is not None:
        return {name: directory / FILE_NAMES[name] for name in kind.settings}
    return {name: Path(getattr(settings, name)) for name in kind.settings}


def _externally_supplied(kind: KeyKind) -> bool:
    # LIKENESS_KEK given as a value, or a KMS ciphertext that only the operator's KMS can make.
    return kind.name == "likeness-kek" and (
        settings.LIKENESS_KEK is not None or settings.LIKENESS_KMS_KEY_ID is not None
    )


# --- Making keys ---------------------------------------------------------------------------------


def _ed25519_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _fresh(kind: KeyKind) -> dict[str, bytes]:
    """New material for every file of `kind`, keyed by setting name."""
    if kind.name in {"license", "audit"}:
        return {kind.settings[0]: _ed25519_pem()}
    if kind.name == "c2pa":
        made = c2pa_manifest.generate_credentials()
        return {
            "PROVENANCE_CERT_CHAIN_FILE": made.chain_pem,
            "PROVENANCE_KEY_FILE": made.key_pem,
            "PROVENANCE_TRUST_ANCHOR_FILE": made.anchor_pem,
        }
    if kind.name == "watermark":
        return {kind.settings[0]: secrets.token_bytes(32)}
    return {kind.settings[0]: base64.b64encode(secrets.token_bytes(32)) + b"\n"}


def _write(path: Path, data: bytes, *, replace: bool, public: bool) -> bool:
    """Write `data` to `path` atomically; without `replace`, only if nothing is there (True if written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644 if public else 0o600)
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails if another process (or an operator) put a file there
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def forget_loaded_keys() -> None:
    """Make this process read the key files again (after init or rotate)."""
    licensing_keys._platform_key.cache_clear()
    licensing_keys._encryption_key.cache_clear()
    audit_signing._signing_key.cache_clear()
    c2pa_manifest._credentials.cache_clear()
    with likeness_crypto._kek_lock:
        likeness_crypto._kek_cache.clear()


def keys_init(directory: Path | None = None) -> dict[str, str]:
    """Create every missing key; `{kind: "created" | "present" | "external"}`. Idempotent."""
    outcome: dict[str, str] = {}
    for kind in KINDS.values():
        if _externally_supplied(kind) and directory is None:
            outcome[kind.name] = "external"
            continue
        paths = key_paths(kind, directory)
        present = [name for name, path in paths.items() if path.exists()]
        if len(present) == len(paths):
            outcome[kind.name] = "present"
            continue
        if present:
            missing = sorted(str(paths[n]) for n in paths if n not in present)
            raise KeyOperationRefused(f"{kind.name}: {', '.join(missing)} missing beside existing files; restore them")
        for name, data in _fresh(kind).items():
            _write(paths[name], data, replace=False, public=name in PUBLIC_FILES)
        outcome[kind.name] = "created"
    forget_loaded_keys()
    return outcome


# --- Showing keys --------------------------------------------------------------------------------


def _ed25519(path: Path) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyOperationRefused(f"{path} is not an Ed25519 private key")
    return loaded


def _secret_id(label: bytes, secret: bytes) -> str:
    return hashlib.sha256(label + secret).hexdigest()[:16]


def _certificates(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def _describe(kind: KeyKind, paths: dict[str, Path]) -> dict[str, Any]:
    first = paths[kind.settings[0]]
    if kind.name == "license":
        public = public_raw(_ed25519(first).public_key())
        return {"id": key_id(public, prefix=licensing_keys.PLATFORM_KID_PREFIX), "public": b64url(public)}
    if kind.name == "audit":
        public_key = _ed25519(first).public_key()
        return {
            "id": audit_signing.key_id(public_key),
            "public": base64.b64encode(audit_signing.public_key_raw(public_key)).decode("ascii"),
        }
    if kind.name == "c2pa":
        chain_pem = paths["PROVENANCE_CERT_CHAIN_FILE"].read_bytes()
        leaf = _certificates(chain_pem)[0]
        anchors = _certificates(paths["PROVENANCE_TRUST_ANCHOR_FILE"].read_bytes())
        return {
            "id": leaf.fingerprint(hashes.SHA256()).hex(),
            "public": chain_pem.decode("ascii"),
            "subject": leaf.subject.rfc4514_string(),
            "not_after": leaf.not_valid_after_utc.isoformat(),
            "trust_anchors": [anchor.fingerprint(hashes.SHA256()).hex() for anchor in anchors],
        }
    raw = first.read_bytes()
    if kind.name == "watermark":
        return {"id": _secret_id(b"watermark-key-id:", raw), "public": None}
    decoded = base64.b64decode(raw.strip())
    label = b"likeness-kek-id:" if kind.name == "likeness-kek" else b"license-kek-id:"
    return {"id": _secret_id(label, decoded), "public": None}


def keys_show(directory: Path | None = None) -> list[dict[str, Any]]:
    """Each kind's files, whether they exist, its id and public part (never a secret)."""
    shown = []
    for kind in KINDS.values():
        paths = key_paths(kind, directory)
        entry: dict[str, Any] = {"kind": kind.name, "files": {n: str(p) for n, p in paths.items()}}
        entry["present"] = all(path.exists() for path in paths.values())
        if _externally_supplied(kind) and directory is None:
            entry["present"], entry["external"] = True, True
        elif entry["present"]:
            entry.update(_describe(kind, paths))
        shown.append(entry)
    return shown


# --- Rotating keys -------------------------------------------------------------------------------


def _register_platform_key() -> str:
    from licensing.services import platform_key_current

    return platform_key_current()[1]


def _rotate_license(paths: dict[str, Path], register: Callable[[], str]) -> dict[str, Any]:
    path = paths["LICENSE_SIGNING_KEY_FILE"]
    forget_loaded_keys()
    previous = register()  # the old key's public half is kept (PlatformKey, JWKS) before it goes
    _write(path, _ed25519_pem(), replace=True, public=False)
    forget_loaded_keys()
    return {"previous_id": previous, "id": register()}


def _rotate_c2pa(paths: dict[str, Path]) -> dict[str, Any]:
    anchor_path = paths["PROVENANCE_TRUST_ANCHOR_FILE"]
    old_chain = paths["PROVENANCE_CERT_CHAIN_FILE"].read_bytes()
    old_anchors = anchor_path.read_bytes()
    made = c2pa_manifest.generate_credentials()
    # The new root first, then every root before it: manifests signed earlier still verify.
    bundle = made.anchor_pem + b"".join(
        cert.public_bytes(serialization.Encoding.PEM) for cert in _certificates(old_anchors)
    )
    _write(paths["PROVENANCE_KEY_FILE"], made.key_pem, replace=True, public=False)
    _write(paths["PROVENANCE_CERT_CHAIN_FILE"], made.chain_pem, replace=True, public=True)
    _write(anchor_path, bundle, replace=True, public=True)
    forget_loaded_keys()
    return {
        "previous_id": _certificates(old_chain)[0].fingerprint(hashes.SHA256()).hex(),
        "id": _certificates(made.chain_pem)[0].fingerprint(hashes.SHA256()).hex(),
    }


def keys_rotate(name: str, directory: Path | None = None) -> dict[str, Any]:
    """Replace the key of kind `name`, keeping the old public part verifiable; refused where it cannot be."""
    kind = KINDS.get(name)
    if kind is None:
        raise KeyOperationRefused(f"unknown key kind {name!r}; one of {', '.join(KINDS)}")
    if kind.refused_rotation is not None:
        raise KeyOperationRefused(f"{name} keys are not rotated by this command: {kind.refused_rotation}")
    paths = key_paths(kind, directory)
    missing = [str(path) for path in paths.values() if not path.exists()]
    if missing:
        raise KeyOperationRefused(f"{name}: {', '.join(missing)} missing; run `keys init` first")
    if kind.name == "license":
        if directory is not None and Path(settings.LICENSE_SIGNING_KEY_FILE) != paths["LICENSE_SIGNING_KEY_FILE"]:
            raise KeyOperationRefused("rotate license without --dir: LICENSE_SIGNING_KEY_FILE names the key in use")
        return {"kind": name, **_rotate_license(paths, _register_platform_key)}
    return {"kind": name, **_rotate_c2pa(paths)}


# --- Start-up check ------------------------------------------------------------------------------


def missing_key_files() -> list[tuple[str, str, Path]]:
    """(kind, setting, path) of every key file that is missing where it may not be generated."""
    missing = []
    for kind in KINDS.values():
        if getattr(settings, kind.generate_setting) or _externally_supplied(kind):
            continue
        for name, path in key_paths(kind).items():
            if not path.exists():
                missing.append((kind.name, name, path))
    return missing


def check_key_files(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{name} {path} does not exist and {KINDS[kind].generate_setting} is false",
            hint="Create the keys once with `python manage.py keys init` (deploy/OPERATIONS.md, Keys).",
            id="keys.E001",
        )
        for kind, name, path in missing_key_files()
    ]
