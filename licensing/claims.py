"""Claims: the real owner of a face takes back a likeness someone else enrolled.

A person who finds her face enrolled by someone else asks for a claim challenge on that likeness
and records it (the same live capture as at enrolment, likeness/proof.py). When her clip passes
(her head follows the challenge and her face matches the disputed likeness's enrolment photos),
the claim is filed and the likeness goes under dispute at once: the licence gate refuses every
render under it (`likeness_disputed`), no licence can be requested or approved, and the enrolling
account and every studio holding an active licence are told (audit, webhook `likeness.disputed`).

An admin decides on the admin review page with both sides' evidence. The decision is a
platform-signed document. Upheld: every active licence is revoked (reason `likeness_fraudulent`,
signed like any revocation), pending requests are declined, and the likeness is transferred to the
claimant, enrolled again; her claim capture is her proof of person. Rejected: the likeness returns
to the status it had before the claim.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, NotFound
from licensing.codes import LicensingCode
from licensing.documents import FORMAT, canonical, digest, format_time, sign
from licensing.lifecycle import _decline_locked, _revoke_locked
from licensing.models import License, LicenseStatus
from licensing.signing_keys import platform_key_current
from licensing.webhook_delivery import webhook_emit
from likeness.codes import LikenessCode
from likeness.likeness_states import likeness_transition
from likeness.models import (
    ClaimStatus,
    Likeness,
    LikenessClaim,
    LikenessOwner,
    LikenessStatus,
    LivenessChallenge,
    LivenessPurpose,
)
from likeness.proof import liveness_challenge_issue, liveness_check, refusal_error

FRAUDULENT_REASON = "likeness_fraudulent"
CLAIM_DECISION_TYPE = "likeness-claim-decision"
_CLAIMABLE = (LikenessStatus.ENROLLED, LikenessStatus.FROZEN, LikenessStatus.DISPUTED)


def _claimable(likeness_id: uuid.UUID, actor: Any) -> Likeness:
    likeness = Likeness.objects.select_related("owner").filter(pk=likeness_id, status__in=_CLAIMABLE).first()
    if likeness is None:
        raise NotFound("no such likeness")
    if likeness.owner.user_id == getattr(actor, "pk", None):
        raise Conflict("this likeness is already yours", code=LicensingCode.CLAIM_OWN_LIKENESS)
    return likeness


def claim_challenge_issue(*, likeness_id: uuid.UUID, actor: Any) -> LivenessChallenge:
    """A live-capture challenge for someone who says the likeness `likeness_id` is her face."""
    return liveness_challenge_issue(likeness=_claimable(likeness_id, actor), actor=actor, purpose=LivenessPurpose.CLAIM)


def claim_file(
    *, likeness_id: uuid.UUID, challenge_id: uuid.UUID, clip: bytes, statement: str, actor: Any
) -> LikenessClaim:
    """File a claim with the claimant's live capture; a passing capture puts the likeness under dispute."""
    likeness = _claimable(likeness_id, actor)
    challenge = LivenessChallenge.objects.filter(
        pk=challenge_id, likeness=likeness, purpose=LivenessPurpose.CLAIM, issued_to_id=getattr(actor, "pk", None)
    ).first()
    if challenge is None:
        raise NotFound("no such claim challenge for you on this likeness", code=LikenessCode.LIVENESS_CHALLENGE_UNKNOWN)
    outcome = liveness_check(likeness=likeness, challenge_id=challenge.pk, clip=clip, actor=actor)
    if outcome.problem is not None:
        raise refusal_error(outcome.problem, outcome.challenge)
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().select_related("owner").get(pk=likeness.pk)
        if likeness.status not in _CLAIMABLE:
            raise Conflict(f"the likeness is {likeness.status}; it cannot be claimed", code=LicensingCode.NOT_CLAIMABLE)
        now = clock.now()
        previous = likeness.status
        claim = LikenessClaim.objects.create(
            likeness=likeness,
            claimant=actor,
            challenge=outcome.challenge,
            statement=statement.strip()[:2000],
            previous_status=LikenessStatus.ENROLLED if previous == LikenessStatus.DISPUTED else previous,
            previous_owner=likeness.owner,
            filed_at=now,
        )
        active = list(
            License.objects.filter(likeness=likeness, status__in=[LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED])
        )
        disputed = {
            "claim_id": str(claim.pk),
            "challenge_id": str(outcome.challenge.pk),
            "previous_status": previous,
            "enrolled_by_owner_id": likeness.owner_id,
            "licences_suspended": [str(license.pk) for license in active],
        }
        if previous == LikenessStatus.DISPUTED:  # a further claim on a likeness already under dispute
            audit_record(actor=actor, action=AuditAction.LIKENESS_DISPUTED, target=likeness, data=disputed)
        else:
            likeness_transition(
                likeness, to=LikenessStatus.DISPUTED, action=AuditAction.LIKENESS_DISPUTED, data=disputed, actor=actor
            )
        webhook_emit(
            event_type="likeness.disputed",
            organisation_ids=sorted({license.licensee_id for license in active}),
            owner_ids=[likeness.owner_id],
            data={
                "likeness_id": str(likeness.pk),
                "claim_id": str(claim.pk),
                "disputed_at": format_time(now),
                "suspended_license_ids": [str(license.pk) for license in active],
            },
        )
    return claim


def claim_decision_document(
    *, claim: LikenessClaim, decision: str, decided_at: Any, platform_key_id: str
) -> dict[str, Any]:
    return {
        "type": CLAIM_DECISION_TYPE,
        "format": FORMAT,
        "claim_id": str(claim.pk),
        "likeness_id": str(claim.likeness_id),
        "decision": decision,
        "claimant_user_id": str(claim.claimant_id),
        "previous_owner_id": str(claim.previous_owner_id),
        "claim_challenge_id": str(claim.challenge_id),
        "decided_at": format_time(decided_at),
        "platform_key_id": platform_key_id,
    }


def claim_decide(*, claim: LikenessClaim, uphold: bool, actor: Any) -> LikenessClaim:
    """An admin's decision: uphold (transfer to the claimant; licences revoked as fraudulent) or reject."""
    if not is_admin(actor):
        raise Forbidden("only an admin decides on claims", code=LicensingCode.NOT_AN_ADMIN)
    with transaction.atomic():
        claim = LikenessClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != ClaimStatus.OPEN:
            raise Conflict(f"this claim is already {claim.status}", code=LicensingCode.CLAIM_DECIDED)
        likeness = Likeness.objects.select_for_update().select_related("owner").get(pk=claim.likeness_id)
        now = clock.now()
        decision = "transfer_to_claimant" if uphold else "reject"
        platform_key, platform_kid = platform_key_current()
        document = canonical(
            claim_decision_document(claim=claim, decision=decision, decided_at=now, platform_key_id=platform_kid)
        )
        claim.decision_document = document.decode()
        claim.decision_signature = sign(platform_key, document)
        claim.status = ClaimStatus.UPHELD if uphold else ClaimStatus.REJECTED
        claim.decided_at = now
        claim.decided_by = actor
        claim.save(update_fields=["decision_document", "decision_signature", "status", "decided_at", "decided_by"])
        ended: list[str] = []
        if uphold:
            ended = _end_licences_as_fraudulent(likeness=likeness, actor=actor)
            owner = LikenessOwner.objects.filter(user=claim.claimant).first()
            if owner is None:
                name = claim.claimant.get_full_name() or claim.claimant.get_username()
                owner = LikenessOwner.objects.create(user=claim.claimant, display_name=name[:200], created_at=now)
                audit_record(
                    actor=actor,
                    action=AuditAction.LIKENESS_OWNER_REGISTERED,
                    target=owner,
                    data={"user_id": claim.claimant_id, "display_name": owner.display_name, "by_claim": str(claim.pk)},
                )
            likeness.owner = owner
            # Other open claims on this likeness are settled by this one.
            LikenessClaim.objects.filter(likeness=likeness, status=ClaimStatus.OPEN).exclude(pk=claim.pk).update(
                status=ClaimStatus.REJECTED, decided_at=now, decided_by=actor
            )
            after: LikenessStatus | None = LikenessStatus.ENROLLED
        elif not LikenessClaim.objects.filter(likeness=likeness, status=ClaimStatus.OPEN).exists():
            after = LikenessStatus(claim.previous_status)
        else:
            after = None  # other claims still await a decision: the likeness stays under dispute
        decided = {
            "claim_id": str(claim.pk),
            "decision": decision,
            "decision_sha256": digest(document),
            "platform_key_id": platform_kid,
            "licences_revoked": ended,
            "owner_id": likeness.owner_id,
        }
        if after is not None and after != likeness.status:
            likeness_transition(
                likeness,
                to=after,
                action=AuditAction.LIKENESS_CLAIM_DECIDED,
                data=decided,
                changes={"owner": likeness.owner},
                actor=actor,
            )
        else:
            likeness.updated_at = now
            likeness.save(update_fields=["owner", "updated_at"])
            audit_record(actor=actor, action=AuditAction.LIKENESS_CLAIM_DECIDED, target=likeness, data=decided)
    return claim


def _end_licences_as_fraudulent(*, likeness: Likeness, actor: Any) -> list[str]:
    ended = []
    live = (
        License.objects.select_for_update()
        .select_related("likeness", "likeness__owner")
        .filter(likeness=likeness, status__in=[LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED, LicenseStatus.REQUESTED])
    )
    for license in live:
        if license.status == LicenseStatus.REQUESTED:
            _decline_locked(license=license, reason=FRAUDULENT_REASON, actor=actor)
        else:
            _revoke_locked(license=license, reason=FRAUDULENT_REASON, revoked_by="platform", actor=actor)
        ended.append(str(license.pk))
    return ended
