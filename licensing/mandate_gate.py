"""The gate's mandate rule: a licence signed by a representative is honoured only if the mandate it
names (by id and document hash) covered approving it when it was signed, and the owner co-signed
where the mandate required it. Ending the mandate later does not undo what it validly covered."""

from __future__ import annotations

import uuid
from typing import Any

from licensing.mandate_documents import check_signed_under_mandate
from licensing.mandate_models import Mandate, MandateApproval
from licensing.refusals import RefusalReason
from licensing.signing_keys import public_key_of_owner_key, public_key_of_platform_key


def mandate_named(value: Any) -> Mandate | None:
    """The mandate a signer block names, or None (no such mandate, or not an id at all)."""
    try:
        return Mandate.objects.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        return None


def _public_key(kid: str) -> bytes | None:
    return public_key_of_owner_key(kid) or public_key_of_platform_key(kid)


def mandate_gate_refusal(*, document: dict[str, Any], document_text: str, license_id: str) -> RefusalReason | None:
    """None for a licence the owner signed herself, or one validly signed under a mandate."""
    signer = document.get("signer")
    if signer is None:
        return None
    if not isinstance(signer, dict):
        return RefusalReason.MANDATE_NOT_COVERING
    mandate = mandate_named(signer.get("mandate_id"))
    if mandate is None:
        return RefusalReason.MANDATE_NOT_COVERING
    approval = MandateApproval.objects.filter(license_id=license_id, cosigned_at__isnull=False).first()
    try:
        problems = check_signed_under_mandate(
            license_document=document,
            mandate_text=mandate.document,
            mandate_signature=mandate.signature,
            revoked_at=mandate.revoked_at,
            key=_public_key,
            cosignature=None if approval is None else approval.owner_cosignature,
            license_bytes=document_text.encode(),
        )
    except (KeyError, TypeError, ValueError):
        return RefusalReason.MANDATE_NOT_COVERING
    return RefusalReason.MANDATE_NOT_COVERING if problems else None
