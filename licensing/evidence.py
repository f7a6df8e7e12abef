"""A licence as evidence: its signed document, both signatures, the keys that made them, and (if
revoked) the signed revocation, checkable offline with no database (see audit/evidence.py)."""

from __future__ import annotations

from typing import Any

from licensing.documents import (
    REVOCATION_TYPE,
    b64url_decode,
    canonical,
    countersign_payload,
    jwk,
    key_id,
    parse,
    verify,
)
from licensing.mandate_evidence import check_mandate_evidence, mandate_evidence
from licensing.models import License, OwnerKey, PlatformKey

DOCUMENT_KIND = "license"


def license_evidence_document(license: License) -> dict[str, Any]:
    kids = {license.owner_key_id, license.platform_key_id}
    if license.revocation:
        # The revocation is signed with the platform key current when it was revoked, which after a
        # rotation is not the one that countersigned: without it, genuine evidence read as forged.
        kids.add(str(parse(license.revocation).get("platform_key_id", "")))
    mandate, mandate_kids = mandate_evidence(license)
    kids |= mandate_kids
    keys = [jwk(public_key=bytes(k.public_key), kid=k.kid) for k in OwnerKey.objects.filter(kid__in=kids)]
    keys += [jwk(public_key=bytes(k.public_key), kid=k.kid) for k in PlatformKey.objects.filter(kid__in=kids)]
    return {
        "license_id": str(license.pk),
        "document": license.document,
        "owner_key_id": license.owner_key_id,
        "owner_signature": license.owner_signature,
        "platform_key_id": license.platform_key_id,
        "platform_signature": license.platform_signature,
        "revocation": license.revocation or None,
        "revocation_signature": license.revocation_signature or None,
        "keys": keys,
        "how_to_verify": (
            "owner_signature = Ed25519(owner key, document bytes as given); platform_signature = "
            "Ed25519(platform key, RFC 8785 of {document, owner_signature, platform_key_id}); keys are JWKs (OKP)"
        ),
        # A representative's signature: the mandate it was made under (licensing/mandate_documents.py).
        **({"mandate": mandate} if mandate is not None else {}),
    }


def check_license_evidence(evidence: Any) -> list[str]:
    """Problems with a licence document in a bundle; an empty list means both signatures verify."""
    problems: list[str] = []
    try:
        keys = {key["kid"]: b64url_decode(key["x"]) for key in evidence["keys"]}
        # A kid is the fingerprint of its key (documents.key_id), which is what lets a reader match
        # the bundle's keys against the published JWKS by kid. Without this check a bundle could
        # carry any key under the platform's kid and be consistent with itself.
        for kid, raw in keys.items():
            prefix = kid.rpartition("-")[0]
            if not prefix or key_id(raw, prefix=prefix) != kid:
                problems.append(f"key {kid} is not the key its kid names")
        data = evidence["document"].encode("utf-8")
        document = parse(evidence["document"])
        if canonical(document) != data:
            problems.append("the document is not in canonical form")
        owner = keys.get(evidence["owner_key_id"])
        if owner is None or not verify(owner, evidence["owner_signature"], data):
            problems.append("the owner's signature does not verify")
        platform = keys.get(evidence["platform_key_id"])
        payload = countersign_payload(
            document=document, owner_signature=evidence["owner_signature"], platform_key_id=evidence["platform_key_id"]
        )
        if platform is None or not verify(platform, evidence["platform_signature"], payload):
            problems.append("the platform's countersignature does not verify")
        if document.get("license_id") != evidence["license_id"]:
            problems.append("the document names another licence")
        problems += check_mandate_evidence(evidence, document, keys)
        if evidence.get("revocation"):
            revocation = evidence["revocation"].encode("utf-8")
            record = parse(evidence["revocation"])
            signer = keys.get(record.get("platform_key_id", ""))
            if signer is None or not verify(signer, evidence.get("revocation_signature") or "", revocation):
                problems.append("the revocation's signature does not verify")
            # The platform signs status answers and other licences' revocations with the same key:
            # a genuine signature proves nothing unless the record is a revocation of this licence.
            if record.get("type") != REVOCATION_TYPE:
                problems.append("the revocation record is not a revocation")
            if record.get("license_id") != evidence["license_id"] or record.get("version") != document.get("version"):
                problems.append("the revocation names another licence")
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(f"malformed licence evidence: {exc}")
    return problems


def license_evidence_bundle(*, license: License) -> bytes:
    """A zip proving the licence's signed document and every audit entry about it (audit/evidence.py)."""
    from audit.evidence import build_bundle

    return build_bundle(
        target_type="licensing.license",
        target_id=str(license.pk),
        documents={DOCUMENT_KIND: license_evidence_document(license)},
        records={
            "license": {
                "id": str(license.pk),
                "status": license.status,
                "status_changed_at": license.status_changed_at.isoformat(),
                "renders_used": license.renders_used,
                "max_renders": license.max_renders,
            }
        },
    )
