"""Protected faces: an admin registers a person's face on her own live capture.

The person has an account, a likeness created not licensable (the consent registry: a face
registered only to protect it) and enrolled with her photos. With the person in front of the
camera, an admin asks for a protection challenge and submits the recording; when it passes
(her moves, her face, the likeness's photos), the likeness is a protected face. The impostor check
at enrolment (likeness/services.py) already compares every new enrolment with every enrolled
face, protected ones included, and freezes a match for review, so a later enrolment of her face by
anyone else cannot be licensed before an admin has looked at it; the registration makes her
face's presence in that search deliberate, proven and audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, NotFound
from likeness.codes import LikenessCode
from likeness.models import Likeness, LikenessStatus, LivenessChallenge, LivenessPurpose, ProtectedFace
from likeness.proof import liveness_challenge_issue, liveness_check, refusal_error


def _protectable(likeness: Likeness, actor: Any) -> Likeness:
    if not is_admin(actor):
        raise NotFound("no such likeness")
    if likeness.licensable or likeness.status != LikenessStatus.ENROLLED:
        raise Conflict(
            "only an enrolled likeness registered not licensable (to protect the face) can be protected",
            code=LikenessCode.NOT_PROTECTABLE,
            detail={"status": likeness.status, "licensable": likeness.licensable},
        )
    if ProtectedFace.objects.filter(likeness=likeness).exists():
        raise Conflict("this face is already protected", code=LikenessCode.ALREADY_PROTECTED)
    return likeness


def protection_challenge_issue(*, likeness: Likeness, actor: Any) -> LivenessChallenge:
    return liveness_challenge_issue(
        likeness=_protectable(likeness, actor), actor=actor, purpose=LivenessPurpose.PROTECTED
    )


def protected_face_register(*, likeness: Likeness, challenge_id: uuid.UUID, clip: bytes, actor: Any) -> ProtectedFace:
    likeness = _protectable(likeness, actor)
    if not LivenessChallenge.objects.filter(
        pk=challenge_id, likeness=likeness, purpose=LivenessPurpose.PROTECTED
    ).exists():
        raise NotFound("no such protection challenge for this likeness", code=LikenessCode.LIVENESS_CHALLENGE_UNKNOWN)
    outcome = liveness_check(likeness=likeness, challenge_id=challenge_id, clip=clip, actor=actor)
    if outcome.problem is not None:
        raise refusal_error(outcome.problem, outcome.challenge)
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        _protectable(likeness, actor)
        protection = ProtectedFace.objects.create(
            likeness=likeness, challenge=outcome.challenge, registered_by=actor, registered_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_PROTECTED,
            target=likeness,
            data={"challenge_id": str(outcome.challenge.pk), "owner_id": likeness.owner_id},
        )
    return protection
