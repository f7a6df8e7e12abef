"""The mandate part of a licence's evidence: for a licence a representative signed, the mandate's
signed document and signature (and the owner's co-signature where required), checkable offline
with the bundle's keys, which are the published JWKS keys by kid."""

from __future__ import annotations

from typing import Any

from licensing.documents import parse, parse_time
from licensing.mandate_documents import check_signed_under_mandate
from licensing.mandate_gate import mandate_named
from licensing.mandate_models import MandateApproval
from licensing.models import License


def mandate_evidence(license: License) -> tuple[dict[str, Any] | None, set[str]]:
    """The mandate part and the kids it needs, or (None, set()) for a licence the owner signed."""
    document = parse(license.document)
    signer = document.get("signer")
    if not isinstance(signer, dict):
        return None, set()
    mandate = mandate_named(signer.get("mandate_id"))
    if mandate is None:
        return None, set()
    approval = MandateApproval.objects.filter(license=license, cosigned_at__isnull=False).first()
    part = {
        "document": mandate.document,
        "signature": mandate.signature,
        "signer_key_id": mandate.signer_key_id,
        "revoked_at": None if mandate.revoked_at is None else mandate.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "owner_cosignature": None if approval is None else approval.owner_cosignature,
    }
    return part, {mandate.signer_key_id, str(document["licensor"].get("owner_key_id", ""))}


def check_mandate_evidence(evidence: dict[str, Any], document: dict[str, Any], keys: dict[str, bytes]) -> list[str]:
    """Problems with the mandate behind a licence signed by a representative; [] otherwise."""
    if "signer" not in document:
        return []
    part = evidence.get("mandate")
    if not isinstance(part, dict):
        return ["the licence was signed under a mandate the evidence does not carry"]
    return check_signed_under_mandate(
        license_document=document,
        mandate_text=part["document"],
        mandate_signature=part["signature"],
        revoked_at=None if part.get("revoked_at") is None else parse_time(part["revoked_at"]),
        key=keys.get,
        cosignature=part.get("owner_cosignature"),
        license_bytes=evidence["document"].encode("utf-8"),
    )
