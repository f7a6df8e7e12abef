"""Writes for parties: organisations and their members."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import AuditTarget, audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.documents import (
    b64url_decode,
    canonical,
    countersign_payload,
    digest,
    format_time,
    key_id,
    license_document,
    load_public,
    parse,
    private_raw,
    public_raw,
    revocation_document,
    sign,
    status_document,
    verify,
)
from licensing.keys import OWNER_KID_PREFIX, decrypt, encrypt, platform_key_id, platform_signing_key
from licensing.models import (
    AdaptationGrant,
    DeliveryStatus,
    KeyCustody,
    License,
    LicenseStatus,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    OwnerKey,
    PlatformKey,
    RightKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    Work,
    WorkFile,
    WorkKind,
    WorkRight,
)
from licensing.refusals import RefusalReason
from licensing.scope import RenderRequest, ScopeError, build_scope, clean_territories, scope_check
from licensing.selectors import (
    GateFacts,
    adaptation_in_force,
    gate_facts,
    holder_can_adapt,
    holds_adaptation_right,
    is_manager,
    is_member,
    license_effective_status,
)
from licensing.verification import SignedLicense, VerifiedDocument, verify_signed
from licensing.webhooks import (
    EVENT_HEADER,
    EVENT_TYPES,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    post,
    signature,
    url_problem,
)
from likeness.models import Likeness, LikenessOwner, LikenessStatus

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class WorkFileSpec:
    sha256: str
    media_type: str
    name: str = ""


@dataclass(frozen=True)
class WorkRightSpec:
    right: RightKind
    territories: list[str]
    valid_from: datetime
    valid_until: datetime | None = None


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


def organisation_create(*, name: str, kind: OrganisationKind, creator: Any, actor: Any) -> Organisation:
    """Create an organisation; its creator becomes its first manager."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("name must be 1 to 200 characters", detail={"field": "name"})
    now = clock.now()
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, kind=kind, created_at=now)
            Membership.objects.create(
                organisation=organisation, user=creator, role=MembershipRole.MANAGER, created_at=now
            )
            audit_record(
                actor=actor,
                action=AuditAction.ORGANISATION_CREATED,
                target=organisation,
                data={"name": name, "kind": kind.value, "manager_id": creator.pk},
            )
    except IntegrityError:
        raise Conflict(f"a {kind.label.lower()} named {name!r} already exists", code="organisation_exists") from None
    return organisation


def membership_add(*, organisation: Organisation, user: Any, role: MembershipRole, actor: Any) -> Membership:
    if not is_manager(actor, organisation):
        raise Forbidden("only the organisation's managers may add members")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organisation=organisation, user=user, role=role, created_at=clock.now()
            )
            audit_record(
                actor=actor,
                action=AuditAction.MEMBERSHIP_ADDED,
                target=organisation,
                data={"user_id": user.pk, "role": role.value},
            )
    except IntegrityError:
        raise Conflict("that user is already a member", code="already_member") from None
    return membership


def membership_remove(*, organisation: Organisation, user_id: int, actor: Any) -> None:
    if not is_manager(actor, organisation):
        raise Forbidden("only the organisation's managers may remove members")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(organisation=organisation, user_id=user_id).first()
        if membership is None:
            raise NotFound("no such member")
        managers = Membership.objects.filter(organisation=organisation, role=MembershipRole.MANAGER)
        if membership.role == MembershipRole.MANAGER and managers.count() == 1:
            raise Conflict("an organisation keeps at least one manager", code="last_manager")
        membership.delete()
        audit_record(actor=actor, action=AuditAction.MEMBERSHIP_REMOVED, target=organisation, data={"user_id": user_id})


# --- Works and rights ---------------------------------------------------------------------------


def _require_member(actor: Any, organisation: Organisation, doing: str) -> None:
    if not (is_admin(actor) or is_member(actor, organisation)):
        raise Forbidden(f"only members of {organisation.name} may {doing}")


def _clean_sha256(value: str) -> str:
    value = value.strip().lower()
    if not _SHA256.match(value):
        raise Invalid("sha256 must be 64 hexadecimal digits", detail={"field": "sha256"})
    return value


def _clean_territories(values: list[str], field_name: str = "territories") -> list[str]:
    try:
        return list(clean_territories(values))
    except ScopeError as exc:
        raise Invalid(str(exc), detail={"field": field_name}) from None


def _add_file(*, work: Work, file: WorkFileSpec, actor: Any) -> WorkFile:
    sha256 = _clean_sha256(file.sha256)
    taken = WorkFile.objects.filter(sha256=sha256).values_list("work_id", flat=True).first()
    if taken is not None:
        raise Conflict(
            "this media file is already registered to a work",
            code="work_file_taken",
            detail={"sha256": sha256, "same_work": str(taken) == str(work.pk)},
        )
    try:
        with transaction.atomic():
            created = WorkFile.objects.create(
                work=work,
                sha256=sha256,
                media_type=file.media_type,
                name=file.name.strip()[:300],
                created_at=clock.now(),
            )
    except IntegrityError:  # a concurrent claim on the same file won the race
        raise Conflict(
            "this media file is already registered to a work", code="work_file_taken", detail={"sha256": sha256}
        ) from None
    audit_record(
        actor=actor,
        action=AuditAction.WORK_FILE_REGISTERED,
        target=work,
        data={"sha256": sha256, "media_type": file.media_type, "name": created.name},
    )
    return created


def _add_right(*, work: Work, right: WorkRightSpec, actor: Any) -> WorkRight:
    if right.valid_until is not None and right.valid_until <= right.valid_from:
        raise Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    territories = _clean_territories(right.territories)
    created = WorkRight.objects.create(
        work=work,
        right=right.right,
        territories=territories,
        valid_from=right.valid_from,
        valid_until=right.valid_until,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.WORK_RIGHT_REGISTERED,
        target=work,
        data={
            "right": right.right.value,
            "territories": territories,
            "valid_from": format_time(right.valid_from),
            "valid_until": None if right.valid_until is None else format_time(right.valid_until),
        },
    )
    return created


def work_register(
    *,
    holder: Organisation,
    title: str,
    kind: WorkKind,
    identifiers: dict[str, str],
    files: list[WorkFileSpec],
    rights: list[WorkRightSpec],
    actor: Any,
) -> Work:
    """Register a work, its media files and the rights its holder declares on it.

    The holder is usually a rights holder; a studio that holds a work itself registers it as its
    own holder. A file already registered to any work is a conflict (`work_file_taken`).
    """
    _require_member(actor, holder, "register works for it")
    title = title.strip()
    if not title or len(title) > 300:
        raise Invalid("title must be 1 to 300 characters", detail={"field": "title"})
    with transaction.atomic():
        work = Work.objects.create(
            holder=holder, title=title, kind=kind, identifiers=dict(identifiers), created_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.WORK_REGISTERED,
            target=work,
            data={"holder_id": str(holder.pk), "title": title, "kind": kind.value, "identifiers": dict(identifiers)},
        )
        for file in files:
            _add_file(work=work, file=file, actor=actor)
        for right in rights:
            _add_right(work=work, right=right, actor=actor)
    return work


def work_file_add(*, work: Work, file: WorkFileSpec, actor: Any) -> WorkFile:
    _require_member(actor, work.holder, "add files to its works")
    with transaction.atomic():
        return _add_file(work=work, file=file, actor=actor)


def work_right_add(*, work: Work, right: WorkRightSpec, actor: Any) -> WorkRight:
    _require_member(actor, work.holder, "declare rights on its works")
    with transaction.atomic():
        return _add_right(work=work, right=right, actor=actor)


def adaptation_grant_create(
    *,
    work: Work,
    studio: Organisation,
    territories: list[str],
    valid_from: datetime,
    valid_until: datetime,
    actor: Any,
) -> AdaptationGrant:
    """The work's holder grants `studio` the right to adapt it, for a term, revocably."""
    _require_member(actor, work.holder, "grant rights on its works")
    if studio.kind != OrganisationKind.STUDIO:
        raise Invalid("adaptation rights are granted to studios", detail={"field": "studio_id"})
    if valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    places = _clean_territories(territories)
    if not holder_can_adapt(work_id=work.pk, at=max(valid_from, clock.now()), territory=None):
        raise Conflict(
            "the holder has declared no adaptation right on this work to grant", code="holder_lacks_adaptation_right"
        )
    with transaction.atomic():
        grant = AdaptationGrant.objects.create(
            work=work,
            studio=studio,
            territories=places,
            valid_from=valid_from,
            valid_until=valid_until,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.ADAPTATION_GRANTED,
            target=grant,
            data={
                "work_id": str(work.pk),
                "studio_id": str(studio.pk),
                "territories": places,
                "valid_from": format_time(valid_from),
                "valid_until": format_time(valid_until),
            },
        )
    return grant


def adaptation_grant_revoke(*, grant: AdaptationGrant, reason: str, actor: Any) -> AdaptationGrant:
    """Revoke a grant; renders on the work by that studio are refused from now on."""
    _require_member(actor, grant.work.holder, "revoke rights on its works")
    with transaction.atomic():
        grant = AdaptationGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise Conflict("this grant is already revoked", code="already_revoked")
        grant.revoked_at = clock.now()
        grant.revoke_reason = reason.strip()[:500]
        grant.save(update_fields=["revoked_at", "revoke_reason"])
        audit_record(
            actor=actor, action=AuditAction.ADAPTATION_GRANT_REVOKED, target=grant, data={"reason": grant.revoke_reason}
        )
    return grant


# --- Signing keys -------------------------------------------------------------------------------


def platform_key_current() -> tuple[Ed25519PrivateKey, str]:
    """The platform's signing key and its kid, remembered (and audited) the first time it signs.

    Remembering every key is what makes rotation safe: replace the key file and documents signed
    under the old key still find its public half here and in the JWKS.
    """
    key = platform_signing_key()
    kid = platform_key_id(key)
    if not PlatformKey.objects.filter(kid=kid).exists():
        with transaction.atomic():
            _, created = PlatformKey.objects.get_or_create(
                kid=kid, defaults={"public_key": public_raw(key.public_key()), "created_at": clock.now()}
            )
            if created:
                audit_record(
                    actor=None,
                    action=AuditAction.PLATFORM_KEY_REGISTERED,
                    target=AuditTarget("licensing.platformkey", kid),
                )
    return key, kid


def _owner_key_install(
    *, owner: LikenessOwner, custody: KeyCustody, public_key: bytes, private: bytes | None, actor: Any
) -> OwnerKey:
    kid = key_id(public_key, prefix=OWNER_KID_PREFIX)
    if OwnerKey.objects.filter(kid=kid).exists():
        raise Conflict("this public key is already registered", code="key_exists")
    now = clock.now()
    current = OwnerKey.objects.select_for_update().filter(owner=owner, retired_at__isnull=True).first()
    if current is not None:
        current.retired_at = now
        current.save(update_fields=["retired_at"])
        audit_record(actor=actor, action=AuditAction.OWNER_KEY_RETIRED, target=owner, data={"kid": current.kid})
    key = OwnerKey.objects.create(
        kid=kid,
        owner=owner,
        custody=custody,
        public_key=public_key,
        encrypted_private_key=None if private is None else encrypt(private, context=kid),
        created_at=now,
    )
    audit_record(
        actor=actor, action=AuditAction.OWNER_KEY_CREATED, target=owner, data={"kid": kid, "custody": custody.value}
    )
    # Requests awaiting this owner are re-issued under the new key: nothing has signed them yet.
    for license in License.objects.select_for_update().filter(likeness__owner=owner, status=LicenseStatus.REQUESTED):
        document = parse(license.document)
        document["licensor"]["owner_key_id"] = kid
        license.document = canonical(document).decode()
        license.owner_key_id = kid
        license.save(update_fields=["document", "owner_key_id"])
    return key


def owner_key_create_custodial(*, owner: LikenessOwner, actor: Any) -> OwnerKey:
    """Generate a platform-held key for the owner (rotating any current key)."""
    private = Ed25519PrivateKey.generate()
    with transaction.atomic():
        return _owner_key_install(
            owner=owner,
            custody=KeyCustody.CUSTODIAL,
            public_key=public_raw(private.public_key()),
            private=private_raw(private),
            actor=actor,
        )


def owner_key_register(*, owner: LikenessOwner, public_key: str, actor: Any) -> OwnerKey:
    """Register a self-custody public key (base64url, 32 bytes), rotating any current key."""
    try:
        raw = b64url_decode(public_key)
        load_public(raw)
    except ValueError:
        raise Invalid("public_key must be a base64url Ed25519 public key", detail={"field": "public_key"}) from None
    with transaction.atomic():
        return _owner_key_install(owner=owner, custody=KeyCustody.SELF, public_key=raw, private=None, actor=actor)


def _owner_current_key(owner: LikenessOwner, actor: Any) -> OwnerKey:
    key = OwnerKey.objects.filter(owner=owner, retired_at__isnull=True).first()
    return key if key is not None else owner_key_create_custodial(owner=owner, actor=actor)


def _public_key_of_owner_key(kid: str) -> bytes | None:
    raw = OwnerKey.objects.filter(kid=kid).values_list("public_key", flat=True).first()
    return None if raw is None else bytes(raw)


def _public_key_of_platform_key(kid: str) -> bytes | None:
    raw = PlatformKey.objects.filter(kid=kid).values_list("public_key", flat=True).first()
    return None if raw is None else bytes(raw)


# --- Licences -----------------------------------------------------------------------------------


def _owner_of_license(actor: Any, license: License) -> None:
    if license.likeness.owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the likeness's owner may decide on this licence", code="not_the_owner")


def _license_event(*, license: License, event: str, data: dict[str, Any]) -> None:
    webhook_emit(
        event_type=event,
        organisation_ids=[license.licensee_id],
        owner_ids=[license.likeness.owner_id],
        data={"license_id": str(license.pk), "status": license.status, **data},
    )


def license_request(*, studio: Organisation, likeness_id: uuid.UUID, terms: LicenseTerms, actor: Any) -> License:
    """A studio asks for a licence; the document is fixed now and awaits the owner's signature."""
    _require_member(actor, studio, "request licences for it")
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
                code="adaptation_right_missing",
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
        if likeness.status != LikenessStatus.ENROLLED or not likeness.licensable:
            raise Conflict(
                "this likeness is not open to licence requests",
                code="likeness_not_licensable",
                detail={"status": likeness.status, "licensable": likeness.licensable},
            )
        owner_key = _owner_current_key(likeness.owner, actor)
        license = License(
            likeness=likeness,
            licensee=studio,
            requested_by=actor,
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
        _license_event(license=license, event="license.requested", data={})
    return license


def license_approve(*, license: License, actor: Any, signature: str | None = None) -> License:
    """The owner approves: signs (custodially, or by uploading a detached signature), and the
    platform countersigns over the document and the owner's signature. The licence is then ACTIVE."""
    _owner_of_license(actor, license)
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness", "likeness__owner").get(pk=license.pk)
        if license.status != LicenseStatus.REQUESTED:
            raise Conflict(f"this licence is {license.status}, not awaiting approval", code="license_not_pending")
        likeness = license.likeness
        if likeness.status != LikenessStatus.ENROLLED or not likeness.licensable:
            raise Conflict("this likeness is not open to licences", code="likeness_not_licensable")
        key = OwnerKey.objects.get(kid=license.owner_key_id)
        data = license.document.encode()
        if signature is None:
            if key.custody != KeyCustody.CUSTODIAL or key.encrypted_private_key is None:
                raise Invalid(
                    "your key is self-custody: upload your signature over the canonical document",
                    code="signature_required",
                )
            private = Ed25519PrivateKey.from_private_bytes(decrypt(bytes(key.encrypted_private_key), context=key.kid))
            signature = sign(private, data)
        elif not verify(bytes(key.public_key), signature, data):
            raise Invalid(
                "the signature does not verify over this licence's canonical document with your current key",
                code="owner_signature_invalid",
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
        license.owner_signature = signature
        license.platform_key_id = platform_kid
        license.platform_signature = countersignature
        license.status = LicenseStatus.ACTIVE
        license.status_changed_at = now
        license.approved_at = now
        license.save()
        audit_record(
            actor=actor,
            action=AuditAction.LICENSE_APPROVED,
            target=license,
            data={
                "document_sha256": digest(data),
                "owner_key_id": key.kid,
                "custody": key.custody,
                "platform_key_id": platform_kid,
            },
        )
        _license_event(license=license, event="license.approved", data={})
    return license


def license_decline(*, license: License, reason: str, actor: Any) -> License:
    _owner_of_license(actor, license)
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        if license.status != LicenseStatus.REQUESTED:
            raise Conflict(f"this licence is {license.status}, not awaiting approval", code="license_not_pending")
        license.status = LicenseStatus.DECLINED
        license.status_changed_at = clock.now()
        license.decline_reason = reason.strip()[:500]
        license.save(update_fields=["status", "status_changed_at", "decline_reason"])
        audit_record(
            actor=actor, action=AuditAction.LICENSE_DECLINED, target=license, data={"reason": license.decline_reason}
        )
        _license_event(license=license, event="license.declined", data={"reason": license.decline_reason})
    return license


_REVOCABLE = (LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED)


def _revoke_locked(*, license: License, reason: str, revoked_by: str, actor: Any) -> License:
    now = clock.now()
    platform_key, platform_kid = platform_key_current()
    record = revocation_document(
        license_id=str(license.pk),
        version=license.version,
        revoked_at=now,
        reason=reason,
        revoked_by=revoked_by,
        platform_key_id=platform_kid,
    )
    license.revocation = canonical(record).decode()
    license.revocation_signature = sign(platform_key, license.revocation.encode())
    license.status = LicenseStatus.REVOKED
    license.status_changed_at = now
    license.revoke_reason = reason
    license.save(update_fields=["revocation", "revocation_signature", "status", "status_changed_at", "revoke_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.LICENSE_REVOKED,
        target=license,
        data={"reason": reason, "revoked_by": revoked_by, "revocation_sha256": digest(license.revocation.encode())},
    )
    _license_event(
        license=license,
        event="license.revoked",
        data={"reason": reason, "revoked_at": format_time(now), "revoked_by": revoked_by},
    )
    return license


def license_revoke(*, license: License, reason: str, actor: Any) -> License:
    """The owner revokes, at any time, with a reason. New render jobs are refused at once."""
    if not is_admin(actor):
        _owner_of_license(actor, license)
    reason = reason.strip()[:500]
    if not reason:
        raise Invalid("say why the licence is revoked", detail={"field": "reason"})
    with transaction.atomic():
        license = License.objects.select_for_update().select_related("likeness").get(pk=license.pk)
        if license.status not in _REVOCABLE:
            raise Conflict(
                f"this licence is {license.status}; only an active licence is revoked", code="license_not_active"
            )
        return _revoke_locked(
            license=license, reason=reason, revoked_by="admin" if is_admin(actor) else "owner", actor=actor
        )


def licenses_end_for_erased_likeness(*, likeness: Likeness, actor: Any) -> int:
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
                license.status = LicenseStatus.DECLINED
                license.status_changed_at = clock.now()
                license.decline_reason = ERASED_REASON
                license.save(update_fields=["status", "status_changed_at", "decline_reason"])
                audit_record(
                    actor=actor, action=AuditAction.LICENSE_DECLINED, target=license, data={"reason": ERASED_REASON}
                )
                _license_event(license=license, event="license.declined", data={"reason": ERASED_REASON})
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
            license.status = LicenseStatus.EXPIRED
            license.status_changed_at = license.valid_until
            license.save(update_fields=["status", "status_changed_at"])
            audit_record(
                actor=None,
                action=AuditAction.LICENSE_EXPIRED,
                target=license,
                data={"valid_until": format_time(license.valid_until)},
            )
            _license_event(license=license, event="license.expired", data={"since": format_time(license.valid_until)})
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
    if license.status == LicenseStatus.REVOKED:
        body["revocation"] = {"record": parse(license.revocation), "signature": license.revocation_signature}
    return body


# --- The licence gate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Authorization:
    """The gate's answer. Refused: `reason` (one RefusalReason). Allowed: what the render must honour."""

    allowed: bool
    license_id: str
    reason: RefusalReason | None = None
    likeness_id: str | None = None
    work_id: str | None = None
    use_number: int | None = None
    duties: dict[str, Any] | None = None
    document_sha256: str | None = None

    @classmethod
    def refuse(cls, license_id: str, reason: RefusalReason) -> Authorization:
        return cls(allowed=False, license_id=license_id, reason=reason)


_STATUS_REFUSALS = {
    LicenseStatus.REQUESTED: RefusalReason.LICENSE_NOT_ACTIVE,
    LicenseStatus.DECLINED: RefusalReason.LICENSE_NOT_ACTIVE,
    LicenseStatus.REVOKED: RefusalReason.LICENSE_REVOKED,
    LicenseStatus.EXPIRED: RefusalReason.LICENSE_EXPIRED,
    # EXHAUSTED is deliberately absent: an exhausted licence still goes through every other check
    # and the quota check reports it last. A render that took the last use re-checks the licence
    # while it runs and accepts "exhausted" for itself; answering "exhausted" first would hide an
    # expiry, a frozen likeness or a broken signature from that re-check.
}
_LIKENESS_REFUSALS = {
    LikenessStatus.ERASED: RefusalReason.LIKENESS_ERASED,
    LikenessStatus.FROZEN: RefusalReason.LIKENESS_FROZEN,
}


def _evaluate(  # noqa: PLR0911 - one guard per gate rule, in the order reasons are reported
    facts: GateFacts, *, studio_id: str, request: RenderRequest
) -> tuple[RefusalReason | None, VerifiedDocument | None, str | None]:
    """Everything but the quota. Order matters only for which reason is reported first."""
    if (refusal := _STATUS_REFUSALS.get(LicenseStatus(facts.status))) is not None:
        return refusal, None, None
    verified = verify_signed(
        SignedLicense(
            license_id=facts.license_id,
            version=facts.version,
            document=facts.document,
            owner_key_id=facts.owner_key_id,
            owner_signature=facts.owner_signature,
            platform_key_id=facts.platform_key_id,
            platform_signature=facts.platform_signature,
        ),
        owner_key=_public_key_of_owner_key,
        platform_key=_public_key_of_platform_key,
    )
    if isinstance(verified, RefusalReason):
        return verified, None, None
    document = verified.document
    # The signed document must be this licence's: a valid document copied from another row is not.
    if (
        document.get("license_id") != facts.license_id
        or document.get("version") != facts.version
        or document["licensor"].get("likeness_id") != facts.likeness_id
        or document["licensor"].get("owner_key_id") != facts.owner_key_id
        or document["licensee"].get("organisation_id") != facts.licensee_id
    ):
        return RefusalReason.DOCUMENT_MISMATCH, None, None
    # The licensee is checked before the likeness's state: a studio that is no party to the licence
    # must not learn that the likeness is frozen for review or erased (found by the permission matrix).
    if facts.licensee_id != studio_id:
        return RefusalReason.WRONG_LICENSEE, None, None
    if (refusal := _LIKENESS_REFUSALS.get(LikenessStatus(facts.likeness_status))) is not None:
        return refusal, None, None
    if facts.work_id is None or facts.holder_id is None:
        return RefusalReason.WORK_FILE_UNKNOWN, None, None
    request = replace(request, work_id=facts.work_id)
    if (refusal := scope_check(verified.scope, request)) is not None:
        return refusal, None, None
    if not adaptation_in_force(
        facts.adaptation, studio_id=studio_id, holder_id=facts.holder_id, at=request.at, territory=request.territory
    ):
        return RefusalReason.ADAPTATION_RIGHT_MISSING, None, None
    return None, verified, facts.work_id


def license_authorize(
    *,
    license_id: uuid.UUID | str,
    studio: Organisation | uuid.UUID | str,
    work_file_sha256: str,
    purpose: str,
    media_type: str,
    duration_seconds: float,
    territory: str,
    reserve: bool = False,
    actor: Any = None,
) -> Authorization:
    """The render gate's check: may `studio` render this file under this licence, now, like this?

    Refuses (never raises) with one RefusalReason unless both signatures verify, the licence is
    active and in its term, the studio is the licensee, the file belongs to a work in scope that
    the studio may adapt, purpose, media type, territory and duration are within scope, and the
    likeness is neither erased nor frozen. With `reserve=True` a pass also takes one render from
    the quota, atomically: the licence row is locked first, so two concurrent renders can never
    both take the last use (and a revocation that commits first is seen); taking the last use makes
    the licence EXHAUSTED.
    """
    text_id = str(license_id)
    try:
        license_uuid = uuid.UUID(text_id)
    except ValueError:
        return Authorization.refuse(text_id, RefusalReason.LICENSE_NOT_FOUND)
    request = RenderRequest(
        work_id="",
        purpose=purpose,
        media_type=media_type,
        territory=territory.strip().upper(),
        duration_seconds=duration_seconds,
        at=clock.now(),
    )
    check = _GateCheck(
        license_id=license_uuid,
        studio_id=str(studio.pk if isinstance(studio, Organisation) else uuid.UUID(str(studio))),
        request=request,
        sha256=work_file_sha256.strip().lower(),
    )
    if not reserve:
        return _authorize(check, reserve=False, actor=actor)
    with transaction.atomic():
        return _authorize(check, reserve=True, actor=actor)


@dataclass(frozen=True)
class _GateCheck:
    license_id: uuid.UUID
    studio_id: str
    request: RenderRequest
    sha256: str


def _authorize(check: _GateCheck, *, reserve: bool, actor: Any) -> Authorization:
    """One check; with `reserve`, inside the caller's transaction, also take a use."""
    refused = partial(Authorization.refuse, str(check.license_id))
    if reserve and not License.objects.select_for_update().filter(pk=check.license_id).exists():
        return refused(RefusalReason.LICENSE_NOT_FOUND)
    facts = gate_facts(license_id=check.license_id, work_file_sha256=check.sha256, studio_id=check.studio_id)
    if facts is None:
        return refused(RefusalReason.LICENSE_NOT_FOUND)
    refusal, verified, work_id = _evaluate(facts, studio_id=check.studio_id, request=check.request)
    if refusal is not None or verified is None:
        return refused(refusal or RefusalReason.LICENSE_NOT_ACTIVE)
    if facts.renders_used >= verified.scope.max_renders:
        return refused(RefusalReason.LICENSE_EXHAUSTED)
    use_number = _reserve_locked(facts, verified=verified, check=check, actor=actor) if reserve else None
    return Authorization(
        allowed=True,
        license_id=facts.license_id,
        likeness_id=facts.likeness_id,
        work_id=work_id,
        use_number=use_number,
        duties=verified.document["scope"]["duties"],
        document_sha256=verified.sha256,
    )


def _reserve_locked(facts: GateFacts, *, verified: VerifiedDocument, check: _GateCheck, actor: Any) -> int:
    """Take one use of a licence whose row the caller has locked; exhaust it on the last."""
    limit = verified.scope.max_renders
    used = facts.renders_used + 1
    exhausted = used >= limit
    changes: dict[str, Any] = {"renders_used": used}
    if exhausted:
        changes.update(status=LicenseStatus.EXHAUSTED, status_changed_at=check.request.at)
    License.objects.filter(pk=check.license_id).update(**changes)
    target = AuditTarget("licensing.license", facts.license_id)
    audit_record(
        actor=actor,
        action=AuditAction.LICENSE_USE_RESERVED,
        target=target,
        data={"use": used, "of": limit, "work_file_sha256": check.sha256, "purpose": check.request.purpose},
        actor_label=None if actor is not None else "render-gate",
    )
    if exhausted:
        audit_record(actor=actor, action=AuditAction.LICENSE_EXHAUSTED, target=target, data={"renders": limit})
        license = License.objects.select_related("likeness").get(pk=check.license_id)
        _license_event(license=license, event="license.exhausted", data={"renders": limit})
    return used


def license_release_use(*, license_id: uuid.UUID | str, actor: Any = None) -> License:
    """Give back a use reserved by a render that failed before producing output.

    An EXHAUSTED licence becomes ACTIVE again; a revoked or expired one stays as it is.
    """
    with transaction.atomic():
        license = License.objects.select_for_update().filter(pk=license_id).first()
        if license is None:
            raise NotFound("no such licence")
        if license.renders_used == 0:
            raise Conflict("no use of this licence is reserved", code="nothing_reserved")
        license.renders_used -= 1
        fields = ["renders_used"]
        if license.status == LicenseStatus.EXHAUSTED:
            license.status = LicenseStatus.ACTIVE
            license.status_changed_at = clock.now()
            fields += ["status", "status_changed_at"]
        license.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=AuditAction.LICENSE_USE_RELEASED,
            target=license,
            data={"renders_used": license.renders_used},
        )
    return license


# --- Webhooks -----------------------------------------------------------------------------------


def webhook_endpoint_create(
    *,
    url: str,
    events: list[str],
    organisation: Organisation | None,
    owner: LikenessOwner | None,
    actor: Any,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for an organisation (its members) or a likeness owner (themselves).

    Returns the endpoint and its signing secret, which is shown this once and stored encrypted.
    """
    if (organisation is None) == (owner is None):
        raise Invalid(
            "an endpoint belongs to one organisation or to you as a likeness owner", detail={"field": "organisation_id"}
        )
    if organisation is not None:
        _require_member(actor, organisation, "register its webhooks")
    elif owner is not None and owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the owner registers their webhooks")
    if problem := url_problem(url, allow_insecure_loopback=settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK):
        raise Invalid(problem, code="webhook_url_refused", detail={"field": "url"})
    if unknown := sorted(set(events) - set(EVENT_TYPES)):
        raise Invalid(f"unknown events: {', '.join(unknown)}", detail={"field": "events"})
    active = WebhookEndpoint.objects.filter(organisation=organisation, owner=owner, disabled_at__isnull=True)
    if active.count() >= settings.WEBHOOK_MAX_ENDPOINTS:
        raise Conflict(
            f"at most {settings.WEBHOOK_MAX_ENDPOINTS} active webhook endpoints each; disable one first",
            code="webhook_endpoint_limit",
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        organisation=organisation, owner=owner, url=url, events=sorted(set(events)), created_at=clock.now()
    )
    endpoint.encrypted_secret = encrypt(secret.encode(), context=f"webhook:{endpoint.pk}")
    with transaction.atomic():
        endpoint.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_CREATED,
            target=endpoint,
            data={
                "url": url,
                "events": endpoint.events,
                "organisation_id": None if organisation is None else str(organisation.pk),
            },
        )
    return endpoint, secret


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor: Any) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.disabled_at is None:
            endpoint.disabled_at = clock.now()
            endpoint.save(update_fields=["disabled_at"])
            audit_record(actor=actor, action=AuditAction.WEBHOOK_ENDPOINT_DISABLED, target=endpoint)
    return endpoint


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt(bytes(endpoint.encrypted_secret), context=f"webhook:{endpoint.pk}").decode()


def webhook_emit(*, event_type: str, organisation_ids: list[Any], owner_ids: list[Any], data: dict[str, Any]) -> int:
    """Queue one delivery per subscribed endpoint of the parties; sent after the caller commits."""
    endpoints = WebhookEndpoint.objects.filter(disabled_at__isnull=True).filter(
        Q(organisation_id__in=organisation_ids) | Q(owner_id__in=owner_ids)
    )
    now = clock.now()
    deliveries = []
    for endpoint in endpoints:
        if endpoint.events and event_type not in endpoint.events:
            continue
        delivery = WebhookDelivery(endpoint=endpoint, event_type=event_type, created_at=now, next_attempt_at=now)
        delivery.payload = json.dumps(
            {"id": str(delivery.event_id), "type": event_type, "created_at": format_time(now), "data": data},
            sort_keys=True,
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    if deliveries:
        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return len(deliveries)


def _enqueue_deliveries(ids: list[str]) -> None:
    from licensing.tasks import webhook_deliver_task

    for delivery_id in ids:
        webhook_deliver_task.delay(delivery_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


def webhook_delivery_attempt(*, delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    """Try one delivery once, if it is still pending and due. Returns it, or None if not claimed.

    The claim is a conditional UPDATE that pushes `next_attempt_at` forward, so two workers (a
    retry and the sweep, or a task delivered twice by the broker) never post the same attempt
    twice; the POST itself runs outside any transaction. Receivers deduplicate on the event id.
    """
    now = clock.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 5)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.payload.encode()
    timestamp = int(now.timestamp())
    result = post(
        url=endpoint.url,
        body=body,
        headers={
            ID_HEADER: str(delivery.event_id),
            EVENT_HEADER: delivery.event_type,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret=webhook_secret(endpoint), timestamp=timestamp, body=body),
        },
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_insecure_loopback=settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK,
    )
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        if result.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or endpoint.disabled_at is not None:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at"])
    return delivery


def webhook_deliveries_due() -> list[str]:
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now())
    return [str(pk) for pk in due.values_list("pk", flat=True)[:500]]
