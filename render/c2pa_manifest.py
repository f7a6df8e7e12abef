"""Signed C2PA manifests on every output, and reading them back.

The platform signs with an ES256 end-entity certificate issued by its own root. Operators point
PROVENANCE_CERT_CHAIN_FILE / PROVENANCE_KEY_FILE / PROVENANCE_TRUST_ANCHOR_FILE at theirs; the
embedded default generates a local root and end-entity certificate once under DATA_DIR/c2pa and
keeps them. The certificate profile is what c2pa-rs requires offline: digitalSignature key usage,
SKI/AKI, extended key usage emailProtection; no timestamp authority (this machine has no network)
and no automatic thumbnail (it would double the manifest for nothing).

Each manifest says: the output was made with a trained algorithm from an original
(digital source type compositeWithTrainedAlgorithmicMedia), which actions were taken, and carries a
custom assertion `org.likeness-platform.license` with the licence id, job id, mark id, the URL
where the licence's current status can be checked, the visible label's text and the attribution
(credit) the licence's duties require (null when it requires none).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

ASSERTION_LABEL = "org.likeness-platform.license"
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}


@dataclass(frozen=True)
class Credentials:
    chain_pem: bytes
    key_pem: bytes
    anchor_pem: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Likeness licensing platform"),
        ]
    )


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def generate_credentials() -> Credentials:
    """A fresh root and end-entity certificate in the profile c2pa accepts (see module docstring)."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Likeness platform provenance root"))
        .issuer_name(_name("Likeness platform provenance root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Likeness platform provenance signer"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return Credentials(
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        anchor_pem=root.public_bytes(pem),
    )


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)


@lru_cache(maxsize=2)
def _credentials(chain: str, key: str, anchor: str) -> Credentials:
    chain_path, key_path, anchor_path = Path(chain), Path(key), Path(anchor)
    if not (chain_path.exists() and key_path.exists() and anchor_path.exists()):
        if not settings.PROVENANCE_GENERATE_CREDENTIALS:
            raise FileNotFoundError("provenance signing certificate, key or trust anchor is missing")
        fresh = generate_credentials()
        _write_private(key_path, fresh.key_pem)
        chain_path.write_bytes(fresh.chain_pem)
        anchor_path.write_bytes(fresh.anchor_pem)
    return Credentials(
        chain_pem=chain_path.read_bytes(), key_pem=key_path.read_bytes(), anchor_pem=anchor_path.read_bytes()
    )


def credentials() -> Credentials:
    return _credentials(
        str(settings.PROVENANCE_CERT_CHAIN_FILE),
        str(settings.PROVENANCE_KEY_FILE),
        str(settings.PROVENANCE_TRUST_ANCHOR_FILE),
    )


def manifest_definition(
    *,
    title: str,
    license_id: str,
    job_id: str,
    mark_id: int | None,
    status_url: str,
    label_text: str,
    attribution: str | None = None,
) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "likeness-platform", "version": "0.1.0"}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {"action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_TYPE},
                        {
                            "action": "c2pa.edited",
                            "description": "Face replaced under a signed likeness licence",
                            "digitalSourceType": DIGITAL_SOURCE_TYPE,
                        },
                        # Not c2pa.watermarked: that action needs a registered soft-binding algorithm, which our
                        # own mark is not; the mark id travels in the licence assertion instead.
                        {"action": "c2pa.edited", "description": "Visible AI label and invisible job mark added"},
                    ]
                },
            },
            {
                "label": ASSERTION_LABEL,
                "data": {
                    "license_id": license_id,
                    "job_id": job_id,
                    "mark_id": mark_id,
                    "status_url": status_url,
                    "label_text": label_text,
                    "attribution": attribution,
                },
            },
        ],
    }


def sign_file(source: Path, target: Path, *, manifest: dict[str, Any]) -> None:
    """Write `source` to `target` with `manifest` embedded and signed."""
    mime = MIME_TYPES.get(source.suffix.lower())
    if mime is None:
        raise ValueError(f"no C2PA support for {source.suffix}")
    creds = credentials()
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(alg=b"es256", sign_cert=creds.chain_pem, private_key=creds.key_pem, ta_url=None)
    )
    context = c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
    builder = c2pa.Builder(json.dumps(manifest), context=context)
    with source.open("rb") as src, target.open("wb") as dst:
        builder.sign(signer, mime, src, dst)


@dataclass
class ManifestReport:
    present: bool
    state: str = ""  # Trusted, Valid or Invalid
    license_assertion: dict[str, Any] | None = None
    digital_source_types: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.present and self.state in {"Trusted", "Valid"} and not self.failures


def read_manifest(path: Path, *, mime: str | None = None) -> ManifestReport:
    """What the file's C2PA manifest proves, checked against the platform's trust anchor."""
    trust = c2pa.Settings.from_dict(
        {"verify": {"verify_trust": True}, "trust": {"trust_anchors": credentials().anchor_pem.decode("ascii")}}
    )
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader(
                mime or MIME_TYPES.get(path.suffix.lower(), "image/jpeg"), stream, context=c2pa.Context(settings=trust)
            )
            state = str(reader.get_validation_state())
            store = json.loads(reader.json())
            results = reader.get_validation_results() or {}
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "not found" in str(exc).lower():
            return ManifestReport(present=False)
        return ManifestReport(present=True, state="Invalid", failures=[str(exc)])
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    report = ManifestReport(present=True, state=state)
    for assertion in active.get("assertions", []):
        if assertion.get("label") == ASSERTION_LABEL:
            report.license_assertion = assertion.get("data")
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            report.digital_source_types += [
                a.get("digitalSourceType", "") for a in assertion["data"]["actions"] if a.get("digitalSourceType")
            ]
    failures = (results.get("activeManifest") or {}).get("failure", [])
    report.failures = [f"{item.get('code')}: {item.get('explanation', '')}" for item in failures]
    return report
