"""A representative acting under a mandate: approve (sign with his own key, the document recording
the mandate), decline, revoke; and the owner's co-signature when the mandate requires it.

lifecycle.license_approve/decline/revoke hand over here when the actor is not the owner. Every act
is audited (`mandate.acted`) beside the licence's own entry, in the same transaction."""

from __future__ import annotations

from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import User
from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Invalid
from licensing.documents import canonical, countersign_payload, digest, parse, sign
from licensing.keys import decrypt
from licensing.license_states import license_transition
from licensing.mandate_documents import signer_block
from licensing.mandate_models import Mandate, MandateApproval
from licensing.mandates import mandate_for_act, representative_party, representative_signing_key
from licensing.models import KeyCustody, License, LicenseStatus, OwnerKey
from licensing.signing_keys import platform_key_current
from likeness.models import LikenessStatus


def _purposes(license: License) -> tuple[str, ...]:
    return tuple(parse(license.document)["scope"]["purposes"])


def _acted(*, mandate: Mandate, act: str, license: License, actor: Actor, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.MANDATE_ACTED,
        target=mandate,
        data={"act": act, "license_id": str(license.pk), **data},
    )


def _sign_custodial(key: OwnerKey, data: bytes) -> str:
    if key.custody != KeyCustody.CUSTODIAL or key.encrypted_private_key is None:
        raise Invalid("a self-custody key signs by uploading its signature", code="signature_required")
    return sign(Ed25519PrivateKey.from_private_bytes(decrypt(bytes(key.encrypted_private_key), context=key.kid)), data)


def _activate(
    *, license: License, document: str, signer_kid: str, signature: str, actor: Actor, data: dict[str, Any]
) -> None:
    platform_key, platform_kid = platform_key_current()
    countersignature = sign(
        platform_key,
        countersign_payload(document=parse(document), owner_signature=signature, platform_key_id=platform_kid),
    )
    now = clock.now()
    license_transition(
        license,
        to=LicenseStatus.ACTIVE,
        action=AuditAction.LICENSE_APPROVED,
        data={"document_sha256": digest(document.encode()), "platform_key_id": platform_kid, **data},
        changes={
            "document": document,
            "owner_key_id": signer_kid,
            "owner_signature": signature,
            "platform_key_id": platform_kid,
            "platform_signature": countersignature,
            "approved_at": now,
        },
        at=now,
        actor=actor,
    )


def _drop_stale_approval(license: License) -> None:
    """An approval waiting for a co-signature under a key the owner has since retired can never
    be co-signed: it gives way to a fresh one."""
    waiting = MandateApproval.objects.filter(license=license, cosigned_at__isnull=True).first()
    if waiting is not None and parse(waiting.document)["licensor"].get("owner_key_id") != license.owner_key_id:
        waiting.delete()


def approve_as_representative(*, license: License, actor: Actor, signature: str | None = None) -> License:
    from licensing.lifecycle import license_event

    if signature is not None:
        raise Invalid("representatives sign with a custodial key in this version", code="signature_not_supported")
    user = cast(User, actor)
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness", "likeness__owner").get(pk=license.pk)
        mandate = mandate_for_act(
            user=user,
            likeness=license.likeness,
            act="approve",
            purposes=_purposes(license),
            attribution=parse(license.document)["scope"].get("duties", {}).get("attribution"),
        )
        _drop_stale_approval(license)
        if license.status != LicenseStatus.REQUESTED or MandateApproval.objects.filter(license=license).exists():
            raise Conflict(f"this licence is {license.status}, not awaiting approval", code="license_not_pending")
        if license.likeness.status != LikenessStatus.ENROLLED or not license.likeness.licensable:
            raise Conflict("this likeness is not open to licences", code="likeness_not_licensable")
        key = representative_signing_key(user, actor)
        document = parse(license.document)
        document["signer"] = signer_block(
            mandate_id=str(mandate.pk),
            mandate_document_text=mandate.document,
            key_id=key.kid,
            representative=representative_party(user),
            kind=mandate.kind,
            signed_at=clock.now(),
            owner_cosign=mandate.require_owner_cosign,
        )
        text = canonical(document).decode()
        signature = _sign_custodial(key, text.encode())
        facts = {"mandate_id": str(mandate.pk), "representative_key_id": key.kid}
        if mandate.require_owner_cosign:
            MandateApproval.objects.create(
                license=license,
                mandate=mandate,
                document=text,
                representative_key_id=key.kid,
                representative_signature=signature,
                created_at=clock.now(),
            )
            _acted(mandate=mandate, act="approve", license=license, actor=actor, awaiting_owner_cosign=True, **facts)
            license_event(license=license, event="license.awaiting_cosign", data={"mandate_id": str(mandate.pk)})
            return license
        _activate(license=license, document=text, signer_kid=key.kid, signature=signature, actor=actor, data=facts)
        _acted(mandate=mandate, act="approve", license=license, actor=actor, **facts)
        license_event(license=license, event="license.approved", data={})
    return license


def pending_cosign(license: License) -> MandateApproval | None:
    return MandateApproval.objects.filter(license=license, cosigned_at__isnull=True).first()


def owner_cosign(*, license: License, approval: MandateApproval, actor: Actor, signature: str | None) -> License:
    """The owner co-signs what her agent signed: the licence becomes ACTIVE, signed by both. Called
    by license_approve with the licence's row locked."""
    from licensing.documents import verify
    from licensing.lifecycle import license_event

    key = OwnerKey.objects.get(kid=license.owner_key_id)
    if parse(approval.document)["licensor"].get("owner_key_id") != key.kid:
        # She rotated her key after her agent signed: the document names the old one, so her
        # co-signature could never verify. The agent signs afresh (approve_as_representative
        # replaces a stale approval).
        raise Conflict(
            "your key changed after your agent signed: your agent must approve again",
            code="cosign_key_rotated",
        )
    data = approval.document.encode()
    if signature is None:
        signature = _sign_custodial(key, data)
    elif not verify(bytes(key.public_key), signature, data):
        raise Invalid(
            "the co-signature does not verify over the document your agent signed",
            code="owner_signature_invalid",
            detail={"owner_key_id": key.kid},
        )
    now = clock.now()
    approval.owner_key_id = key.kid
    approval.owner_cosignature = signature
    approval.cosigned_at = now
    approval.save(update_fields=["owner_key_id", "owner_cosignature", "cosigned_at"])
    _activate(
        license=license,
        document=approval.document,
        signer_kid=approval.representative_key_id,
        signature=approval.representative_signature,
        actor=actor,
        data={"mandate_id": str(approval.mandate_id), "owner_cosign_key_id": key.kid},
    )
    audit_record(
        actor=actor,
        action=AuditAction.MANDATE_COSIGNED,
        target=approval.mandate,
        data={"license_id": str(license.pk), "owner_key_id": key.kid},
    )
    license_event(license=license, event="license.approved", data={})
    return license


def decline_as_representative(*, license: License, reason: str, actor: Actor) -> License:
    from licensing.lifecycle import _decline_locked

    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        mandate = mandate_for_act(user=actor, likeness=license.likeness, act="decline", purposes=_purposes(license))
        if license.status != LicenseStatus.REQUESTED:
            raise Conflict(f"this licence is {license.status}, not awaiting approval", code="license_not_pending")
        MandateApproval.objects.filter(license=license, cosigned_at__isnull=True).delete()
        _decline_locked(license=license, reason=reason.strip()[:500], actor=actor)
        _acted(mandate=mandate, act="decline", license=license, actor=actor)
    return license


def revoke_as_representative(*, license: License, reason: str, actor: Actor) -> License:
    from licensing.lifecycle import _REVOCABLE, _revoke_locked

    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        mandate = mandate_for_act(user=actor, likeness=license.likeness, act="revoke", purposes=_purposes(license))
        if license.status not in _REVOCABLE:
            raise Conflict(
                f"this licence is {license.status}; only an active licence is revoked", code="license_not_active"
            )
        _revoke_locked(license=license, reason=reason.strip()[:500], revoked_by="representative", actor=actor)
        _acted(mandate=mandate, act="revoke", license=license, actor=actor)
    return license
