"""The licence gate: may this studio render this file under this licence, now (license_authorize),
with the atomic reservation of one use, and its release (license_release_use) when a render fails."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

from django.db import connection, transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import AuditTarget, audit_record
from config import clock
from config.errors import Conflict, NotFound
from config.prepared import pipelined, prepared_cursor
from licensing.codes import LicensingCode
from licensing.license_states import license_transition
from licensing.lifecycle import license_event
from licensing.mandate_documents import signing_key_id
from licensing.mandate_gate import mandate_gate_refusal
from licensing.models import (
    License,
    LicenseStatus,
    Organisation,
)
from licensing.refusals import RefusalReason
from licensing.scope import RenderRequest, scope_check
from licensing.selectors import (
    GateFacts,
    adaptation_in_force,
    gate_facts,
    gate_facts_locked,
)
from licensing.trust import TrustedOwnerKey, owner_key_trust, pinned_platform_keys, revocation_on_record
from licensing.verification import SignedLicense, VerifiedDocument, verify_signed
from likeness.models import LikenessOwner, LikenessStatus


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
    LikenessStatus.DISPUTED: RefusalReason.LIKENESS_DISPUTED,
}


def _trust_check(facts: GateFacts, pinned: Mapping[str, bytes]) -> RefusalReason | TrustedOwnerKey:
    """The licence's state and keys as the signed records say, whatever the columns say.

    A signed revocation of this version is final; the owner key must carry the platform's
    certification (that it belongs to the likeness's owner is checked with the document, below);
    the countersigning key must be pinned. Passed: the trusted owner key.
    """
    if facts.revocation and revocation_on_record(
        license_id=facts.license_id,
        version=facts.version,
        revocation=facts.revocation,
        signature=facts.revocation_signature,
        platform_keys=pinned,
    ):
        return RefusalReason.REVOCATION_ON_RECORD
    owner = owner_key_trust(
        kid=facts.owner_key_id,
        public_key=facts.owner_public_key,
        certificate=facts.owner_key_certificate,
        signature=facts.owner_key_certificate_signature,
    )
    if isinstance(owner, RefusalReason):
        return owner
    if facts.platform_key_id and facts.platform_key_id not in pinned:  # none at all: no countersignature
        return RefusalReason.PLATFORM_KEY_NOT_PINNED
    return owner


def _evaluate(  # noqa: PLR0911 - one guard per gate rule, in the order reasons are reported
    facts: GateFacts, *, studio_id: str, request: RenderRequest
) -> tuple[RefusalReason | None, VerifiedDocument | None, str | None]:
    """Everything but the quota. Order matters only for which reason is reported first."""
    if (refusal := _STATUS_REFUSALS.get(LicenseStatus(facts.status))) is not None:
        return refusal, None, None
    pinned = pinned_platform_keys()
    owner = _trust_check(facts, pinned)
    if isinstance(owner, RefusalReason):
        return owner, None, None
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
        owner_key={owner.kid: owner.public_key}.get,
        platform_key=pinned.get,
    )
    if isinstance(verified, RefusalReason):
        return verified, None, None
    document = verified.document
    # The signed document must be this licence's: a valid document copied from another row is not.
    if (
        document.get("license_id") != facts.license_id
        or document.get("version") != facts.version
        or document["licensor"].get("likeness_id") != facts.likeness_id
        or signing_key_id(document) != facts.owner_key_id
        or document["licensee"].get("organisation_id") != facts.licensee_id
    ):
        return RefusalReason.DOCUMENT_MISMATCH, None, None
    # A certified key signs only for the owner it was certified to: another owner's key is not theirs;
    # a representative's key signs only for the representative the signed mandate names.
    if not _key_is_the_signers(document, certified_owner_id=owner.owner_id, facts=facts):
        return RefusalReason.KEY_NOT_CERTIFIED, None, None
    # The licensee is checked before the likeness's state: a studio that is no party to the licence
    # must not learn that the likeness is frozen for review or erased (found by the permission matrix).
    if facts.licensee_id != studio_id:
        return RefusalReason.WRONG_LICENSEE, None, None
    if refusal := mandate_gate_refusal(document=document, document_text=facts.document, license_id=facts.license_id):
        return refusal, None, None
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


def _key_is_the_signers(document: dict[str, Any], *, certified_owner_id: str, facts: GateFacts) -> bool:
    signer = document.get("signer")
    if signer is None:
        return certified_owner_id == facts.likeness_owner_id
    try:
        user_id = str(signer["representative"]["user_id"])
    except (KeyError, TypeError):
        return False
    # The gate read the key row's owner and that owner's user: the answer, when the certificate names
    # that owner and the user is the representative. Anything else is asked of the owner the
    # certificate names (the representative's key certified to the representative's own owner record).
    if certified_owner_id == facts.owner_key_owner_id and user_id == facts.owner_key_owner_user_id:
        return True
    return LikenessOwner.objects.filter(pk=certified_owner_id, user_id=user_id).exists()


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
    actor: Actor = None,
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


def _authorize(check: _GateCheck, *, reserve: bool, actor: Actor) -> Authorization:
    """One check; with `reserve`, inside the caller's transaction, also take a use."""
    refused = partial(Authorization.refuse, str(check.license_id))
    read = gate_facts_locked if reserve else gate_facts
    facts = read(license_id=check.license_id, work_file_sha256=check.sha256, studio_id=check.studio_id)
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


def _reserve_locked(facts: GateFacts, *, verified: VerifiedDocument, check: _GateCheck, actor: Actor) -> int:
    """Take one use of a licence whose row the caller has locked; exhaust it on the last."""
    limit = verified.scope.max_renders
    used = facts.renders_used + 1
    exhausted = used >= limit
    # One UPDATE of the licence row: a second UPDATE of a row this transaction already changed
    # re-checks its foreign keys (KEY SHARE on the likeness), which once deadlocked with a render.
    record_the_use = partial(
        audit_record,
        actor=actor,
        action=AuditAction.LICENSE_USE_RESERVED,
        target=AuditTarget("licensing.license", facts.license_id),
        data={"use": used, "of": limit, "work_file_sha256": check.sha256, "purpose": check.request.purpose},
        actor_label=None if actor is not None else "render-gate",
    )
    if not exhausted:
        # Nothing is read back from either statement before the commit (the entry is chained then),
        # so the use and its audit entry travel to the server together.
        with pipelined():
            _take_use(check.license_id, used)
            record_the_use()
        return used
    license = License.objects.select_related("likeness").get(pk=check.license_id)
    license_transition(
        license,
        to=LicenseStatus.EXHAUSTED,
        action=AuditAction.LICENSE_EXHAUSTED,
        data={"renders": limit},
        changes={"renders_used": used},
        at=check.request.at,
        actor=actor,
    )
    record_the_use()
    license_event(license=license, event="license.exhausted", data={"renders": limit})
    return used


def _take_use(license_id: uuid.UUID, used: int) -> None:
    """Count a use on the locked row: one prepared UPDATE (the ORM's costs more than the write)."""
    with prepared_cursor() as cursor:
        cursor.execute(_take_use_sql(), [used, License._meta.pk.get_db_prep_value(license_id, connection)])


@lru_cache(maxsize=1)
def _take_use_sql() -> str:
    return f"UPDATE {License._meta.db_table} SET renders_used = %s WHERE id = %s"


def license_release_use(*, license_id: uuid.UUID | str, actor: Actor = None) -> License:
    """Give back a use reserved by a render that failed before producing output.

    An EXHAUSTED licence becomes ACTIVE again; a revoked or expired one stays as it is.
    """
    with transaction.atomic():
        license = License.objects.select_for_update().filter(pk=license_id).first()
        if license is None:
            raise NotFound("no such licence")
        if license.renders_used == 0:
            raise Conflict("no use of this licence is reserved", code=LicensingCode.NOTHING_RESERVED)
        license.renders_used -= 1
        data = {"renders_used": license.renders_used}
        if license.status == LicenseStatus.EXHAUSTED:
            license_transition(
                license,
                to=LicenseStatus.ACTIVE,
                action=AuditAction.LICENSE_USE_RELEASED,
                data=data,
                changes={"renders_used": license.renders_used},
                actor=actor,
            )
        else:
            license.save(update_fields=["renders_used"])
            audit_record(actor=actor, action=AuditAction.LICENSE_USE_RELEASED, target=license, data=data)
    return license
