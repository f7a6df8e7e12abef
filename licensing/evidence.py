"""A licence as evidence: its signed document, both signatures, the keys that made them, the
platform's certificate of the owner key, and (if revoked) the signed revocation, checkable offline
with no database (see audit/evidence.py).

Only trusted keys go in (licensing/trust.py): pinned platform keys and a certified owner key. A key
row inserted by hand is left out, so a licence signed with it does not verify from its bundle. The
bundle's keys prove it consistent; compare their kids and values with /.well-known/jwks.json."""

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
from licensing.models import License, OwnerKey
from licensing.refusals import RefusalReason
from licensing.trust import certified_owner, pinned_platform_keys, trusted_owner_key

DOCUMENT_KIND = "license"


def license_evidence_document(license: License) -> dict[str, Any]:
    kids = {license.owner_key_id, license.platform_key_id}
    if license.revocation:
        # The revocation is signed with the platform key current when it was revoked, which after a
        # rotation is not the one that countersigned: without it, genuine evidence read as forged.
        kids.add(str(parse(license.revocation).get("platform_key_id", "")))
    mandate, mandate_kids = mandate_evidence(license)
    kids |= mandate_kids
    certificates: dict[str, Any] = {}
    keys = []
    for kid in sorted(k for k in {license.owner_key_id, *mandate_kids} if k):
        owner = trusted_owner_key(kid)
        if isinstance(owner, RefusalReason):
            continue
        record, signature = OwnerKey.objects.values_list("certificate", "certificate_signature").get(kid=owner.kid)
        certificates[kid] = {"record": record, "signature": signature}
        kids.add(str(parse(record).get("platform_key_id", "")))
        keys.append(jwk(public_key=owner.public_key, kid=owner.kid))
    certificate = certificates.get(license.owner_key_id)
    pinned = pinned_platform_keys()
    keys += [jwk(public_key=pinned[kid], kid=kid) for kid in sorted(kids) if kid in pinned]
    return {
        "license_id": str(license.pk),
        "document": license.document,
        "owner_key_id": license.owner_key_id,
        "owner_signature": license.owner_signature,
        "platform_key_id": license.platform_key_id,
        "platform_signature": license.platform_signature,
        "revocation": license.revocation or None,
        "revocation_signature": license.revocation_signature or None,
        "owner_key_certificate": certificate,
        "keys": keys,
        "how_to_verify": (
            "owner_signature = Ed25519(owner key, document bytes as given); platform_signature = "
            "Ed25519(platform key, RFC 8785 of {document, owner_signature, platform_key_id}); "
            "owner_key_certificate.signature = Ed25519(platform key named in the record, record bytes), and the "
            "record names the owner key's kid and public_key; keys are JWKs (OKP): compare them with the "
            "platform's /.well-known/jwks.json"
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
        certificate = evidence.get("owner_key_certificate") or {}
        platform_keys = {kid: raw for kid, raw in keys.items() if kid.startswith("platform-")}
        if owner is None or not certified_owner(
            kid=evidence["owner_key_id"],
            public_key=owner,
            certificate=certificate.get("record") or "",
            signature=certificate.get("signature") or "",
            platform_keys=platform_keys,
        ):
            problems.append("the owner's key carries no platform certification that verifies")
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
