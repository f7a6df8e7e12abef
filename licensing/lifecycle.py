"""The licence lifecycle: a studio requests, the owner approves (signs) or declines, the owner or an
admin revokes, erasure ends, the term expires; and the signed public status statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import User
from django.db import transaction

from accounts.actors import Actor
from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.codes import LicensingCode
from licensing.documents import (
    canonical,
    countersign_payload,
    digest,
    format_time,
    license_document,
    parse,
    revocation_document,
    sign,
    status_document,
    verify,
)
from licensing.keys import decrypt
from licensing.license_states import license_transition
from licensing.models import (
    KeyCustody,
    License,
    LicenseStatus,
    Organisation,
    OrganisationKind,
    OwnerKey,
    Work,
)
from licensing.notices import license_notify
from licensing.parties import require_member
from licensing.refusals import RefusalReason
from licensing.scope import ScopeError, build_scope
from licensing.selectors import (
    holds_adaptation_right,
    license_effective_status,
    public_reason,
)
from licensing.signing_keys import owner_current_key, platform_key_current
from licensing.webhook_delivery import webhook_emit
from likeness.models import Likeness
from likeness.proof import likeness_open_to_licences, person_verified


@dataclass(frozen=True)
class LicenseTerms:
    """The terms a studio asks for; validated into a Scope by license_request."""

    work_ids: list[uuid.UUID]
    purposes: list[str]
    media_types: list[str]
    territories: list[str]
    valid_until: datetime
    max_renders: int
    valid_from: datetime | None = None
    max_output_seconds: int | None = None
    prohibited_uses: list[str] | None = None
    label_text: str | None = None
    attribution: str | None = None
    fee_per_render: dict[str, Any] | None = field(default=None)


def _owner_of_license(actor: Actor, license: License) -> None:
    if license.likeness.owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the likeness's owner may decide on this licence", code=LicensingCode.NOT_THE_OWNER)


def _acts_under_mandate(actor: Actor, license: License) -> bool:
    """Not the owner but holding a mandate from her: a representative (licensing/mandate_acts.py)."""
    from licensing.mandate_models import Mandate

    return license.likeness.owner.user_id != getattr(actor, "pk", None) and (
        Mandate.objects.filter(representative_id=getattr(actor, "pk", None)).exists()
    )


def license_event(*, license: License, event: str, data: dict[str, Any]) -> None:
    webhook_emit(
        event_type=event,
        organisation_ids=[license.licensee_id],
        owner_ids=[license.likeness.owner_id],
        data={"license_id": str(license.pk), "status": license.status, **data},
    )


def license_request(*, studio: Organisation, likeness_id: uuid.UUID, terms: LicenseTerms, actor: Actor) -> License:
    """A studio asks for a licence; the document is fixed now and awaits the owner's signature."""
    require_member(actor, studio, "request licences for it")
    if studio.kind != OrganisationKind.STUDIO:
        raise Invalid("only studios request licences", detail={"field": "studio_id"})
    now = clock.now()
    works = {str(w.pk): w for w in Work.objects.filter(pk__in=terms.work_ids)}
    if missing := sorted({str(w) for w in terms.work_ids} - works.keys()):
        raise NotFound("no such work", detail={"work_ids": missing})
    for work in works.values():
        if not holds_adaptation_right(
            studio_id=studio.pk, work_id=work.pk, holder_id=work.holder_id, at=now, territory=None
        ):
            raise Conflict(
                f"{studio.name} does not hold the right to adapt “{work.title}”",
                code=RefusalReason.ADAPTATION_RIGHT_MISSING,
                detail={"work_id": str(work.pk)},
            )
    try:
        scope = build_scope(
            works=[{"id": str(w.pk), "title": w.title} for w in works.values()],
            purposes=terms.purposes,
            media_types=terms.media_types,
            territories=terms.territories,
            valid_from=terms.valid_from or now,
            valid_until=terms.valid_until,
            max_renders=terms.max_renders,
            max_output_seconds=terms.max_output_seconds,
            prohibited_uses=terms.prohibited_uses,
            label_text=terms.label_text,
            attribution=terms.attribution,
            fee_per_render=terms.fee_per_render,
        )
    except ScopeError as exc:
        raise Invalid(str(exc), detail={"field": exc.field}) from None
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().select_related("owner").filter(pk=likeness_id).first()
        if likeness is None:
            raise NotFound("no such likeness")
        if not likeness_open_to_licences(likeness):
            raise Conflict(
                "this likeness is not open to licence requests",
                code=LicensingCode.LIKENESS_NOT_LICENSABLE,
                detail={
                    "status": likeness.status,
                    "licensable": likeness.licensable,
                    "person_verified": person_verified(likeness),
                },
            )
        owner_key = owner_current_key(likeness.owner, actor)
        license = License(
            likeness=likeness,
            licensee=studio,
            requested_by=cast(User, actor),  # a member of the studio (require_member above): a user
            status=LicenseStatus.REQUESTED,
            status_changed_at=now,
            owner_key_id=owner_key.kid,
            valid_from=scope.valid_from,
            valid_until=scope.valid_until,
            max_renders=scope.max_renders,
            created_at=now,
        )
        document = license_document(
            license_id=str(license.pk),
            version=license.version,
            likeness={"likeness_id": str(likeness.pk), "name": likeness.owner.display_name},
            owner_key_id=owner_key.kid,
            licensee={"organisation_id": str(studio.pk), "name": studio.name},
            scope=scope.to_document(),
            issued_at=now,
        )
        license.document = canonical(document).decode()
        license.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.LICENSE_REQUESTED,
            target=license,
            data={
                "likeness_id": str(likeness.pk),
                "licensee_id": str(studio.pk),
                "document_sha256": digest(license.document.encode()),
            },
        )
        license_event(license=license, event="license.requested", data={})
        license_notify(license, "license.requested")
    return license


def license_approve(*, license: License, actor: Actor, signature: str | None = None) -> License:
    """The owner approves: signs (custodially, or by uploading a detached signature), and the
    platform countersigns over the document and the owner's signature. The licence is then ACTIVE.
    A representative signs under a mandate instead; an agent's approval may wait for her co-signature."""
    if _acts_under_mandate(actor, license):
        from licensing.mandate_acts import approve_as_representative

        return approve_as_representative(license=license, actor=actor, signature=signature)
    _owner_of_license(actor, license)
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness", "likeness__owner").get(pk=license.pk)
        if license.status != LicenseStatus.REQUESTED:
            raise Conflict(
                f"this licence is {license.status}, not awaiting approval", code=LicensingCode.LICENSE_NOT_PENDING
            )
        likeness = license.likeness
        if not likeness_open_to_licences(likeness):
            raise Conflict("this likeness is not open to licences", code=LicensingCode.LIKENESS_NOT_LICENSABLE)
        from licensing.mandate_acts import owner_cosign, pending_cosign

        if (approval := pending_cosign(license)) is not None:
            return owner_cosign(license=license, approval=approval, actor=actor, signature=signature)
        key = OwnerKey.objects.get(kid=license.owner_key_id)
        data = license.document.encode()
        if signature is None:
            if key.custody != KeyCustody.CUSTODIAL or key.encrypted_private_key is None:
                raise Invalid(
                    "your key is self-custody: upload your signature over the canonical document",
                    code=LicensingCode.SIGNATURE_REQUIRED,
                )
            private = Ed25519PrivateKey.from_private_bytes(decrypt(bytes(key.encrypted_private_key), context=key.kid))
            signature = sign(private, data)
        elif not verify(bytes(key.public_key), signature, data):
            raise Invalid(
                "the signature does not verify over this licence's canonical document with your current key",
                code=RefusalReason.OWNER_SIGNATURE_INVALID,
                detail={"owner_key_id": key.kid},
            )
        platform_key, platform_kid = platform_key_current()
        countersignature = sign(
            platform_key,
            countersign_payload(
                document=parse(license.document), owner_signature=signature, platform_key_id=platform_kid
            ),
        )
        now = clock.now()
        license_transition(
            license,
            to=LicenseStatus.ACTIVE,
            action=AuditAction.LICENSE_APPROVED,
            data={
                "document_sha256": digest(data),
                "owner_key_id": key.kid,
                "custody": key.custody,
                "platform_key_id": platform_kid,
            },
            changes={
                "owner_signature": signature,
                "platform_key_id": platform_kid,
                "platform_signature": countersignature,
                "approved_at": now,
            },
            at=now,
            actor=actor,
        )
        license_event(license=license, event="license.approved", data={})
        license_notify(license, "license.approved")
    return license


def license_decline(*, license: License, reason: str, actor: Actor) -> License:
    if _acts_under_mandate(actor, license):
        from licensing.mandate_acts import decline_as_representative

        return decline_as_representative(license=license, reason=reason, actor=actor)
    _owner_of_license(actor, license)
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        if license.status != LicenseStatus.REQUESTED:
            raise Conflict(
                f"this licence is {license.status}, not awaiting approval", code=LicensingCode.LICENSE_NOT_PENDING
            )
        return _decline_locked(license=license, reason=reason.strip()[:500], actor=actor)


def _decline_locked(*, license: License, reason: str, actor: Actor) -> License:
    license_transition(
        license,
        to=LicenseStatus.DECLINED,
        action=AuditAction.LICENSE_DECLINED,
        data={"reason": reason},
        changes={"decline_reason": reason},
        actor=actor,
    )
    license_event(license=license, event="license.declined", data={"reason": reason})
    license_notify(license, "license.declined")
    return license


_REVOCABLE = (LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED)


def _revoke_locked(*, license: License, reason: str, revoked_by: str, actor: Actor) -> License:
    now = clock.now()
    platform_key, platform_kid = platform_key_current()
    record = revocation_document(
        license_id=str(license.pk),
        version=license.version,
        revoked_at=now,
        reason=public_reason(reason),
        revoked_by=revoked_by,
        platform_key_id=platform_kid,
    )
    revocation = canonical(record).decode()
    license_transition(
        license,
        to=LicenseStatus.REVOKED,
        action=AuditAction.LICENSE_REVOKED,
        data={"reason": reason, "revoked_by": revoked_by, "revocation_sha256": digest(revocation.encode())},
        changes={
            "revocation": revocation,
            "revocation_signature": sign(platform_key, revocation.encode()),
            "revoke_reason": reason,
        },
        at=now,
        actor=actor,
    )
    license_event(
        license=license,
        event="license.revoked",
        data={"reason": public_reason(reason), "revoked_at": format_time(now), "revoked_by": revoked_by},
    )
    license_notify(license, "license.revoked")
    return license


def license_revoke(*, license: License, reason: str, actor: Actor) -> License:
    """The owner revokes, at any time. New render jobs are refused at once. The reason is optional and
    private: it is kept for her and the audit trail, never published nor sent to the studio."""
    if not is_admin(actor) and _acts_under_mandate(actor, license):
        from licensing.mandate_acts import revoke_as_representative

        return revoke_as_representative(license=license, reason=reason, actor=actor)
    if not is_admin(actor):
        _owner_of_license(actor, license)
    reason = reason.strip()[:500]
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        if license.status not in _REVOCABLE:
            raise Conflict(
                f"this licence is {license.status}; only an active licence is revoked",
                code=RefusalReason.LICENSE_NOT_ACTIVE,
            )
        return _revoke_locked(
            license=license, reason=reason, revoked_by="admin" if is_admin(actor) else "owner", actor=actor
        )


def licenses_end_for_erased_likeness(*, likeness: Likeness, actor: Actor) -> int:
    """End every live licence on an erased likeness: active ones are revoked (reason
    `likeness_erased`, signed by the platform), pending requests are declined. Call inside the
    erasure's transaction. Returns how many licences it ended."""
    ended = 0
    with transaction.atomic():
        live = (
            License.objects.select_for_update()
            .select_related("likeness")
            .filter(likeness=likeness, status__in=[*_REVOCABLE, LicenseStatus.REQUESTED])
        )
        for license in live:
            if license.status == LicenseStatus.REQUESTED:
                _decline_locked(license=license, reason=ERASED_REASON, actor=actor)
            else:
                _revoke_locked(license=license, reason=ERASED_REASON, revoked_by="platform", actor=actor)
            ended += 1
    return ended


ERASED_REASON = "likeness_erased"


def license_expire_due() -> int:
    """Mark active (and exhausted) licences past their term EXPIRED. Safe to run twice or concurrently."""
    now = clock.now()
    expired = 0
    due = License.objects.filter(status__in=_REVOCABLE, valid_until__lte=now).values_list("pk", flat=True)
    for license_id in list(due):
        with transaction.atomic():
            license = (
                License.objects.select_for_update()
                .select_related("likeness")
                .filter(pk=license_id, status__in=_REVOCABLE, valid_until__lte=now)
                .first()
            )
            if license is None:
                continue  # another sweep, or a revocation, got there first
            license_transition(
                license,
                to=LicenseStatus.EXPIRED,
                action=AuditAction.LICENSE_EXPIRED,
                data={"valid_until": format_time(license.valid_until)},
                at=license.valid_until,
            )
            license_event(license=license, event="license.expired", data={"since": format_time(license.valid_until)})
            expired += 1
    return expired


def license_status_statement(*, license: License) -> dict[str, Any]:
    """The public status answer, signed by the platform: status, since when, and why if revoked."""
    now = clock.now()
    effective = license_effective_status(license, at=now)
    platform_key, platform_kid = platform_key_current()
    statement = status_document(
        license_id=str(license.pk),
        status=effective.status,
        since=effective.since,
        checked_at=now,
        reason=effective.reason,
        platform_key_id=platform_kid,
    )
    body: dict[str, Any] = {"statement": statement, "signature": sign(platform_key, canonical(statement))}
    if effective.status == LicenseStatus.REVOKED and license.revocation:
        body["revocation"] = {"record": parse(license.revocation), "signature": license.revocation_signature}
    return body
