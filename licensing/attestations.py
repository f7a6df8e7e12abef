"""Attestations: a trusted organisation (a talent agency, a union) vouches that a likeness's owner
is the person whose face it is. Recorded, audited and shown on the likeness; it adds to the live
capture, it does not replace it (a likeness still needs its owner's live capture to be licensed).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.codes import LicensingCode
from licensing.models import LikenessAttestation, Organisation, TrustedAttester
from licensing.selectors import is_member
from likeness.models import Likeness, LikenessStatus


def attester_trust(*, organisation: Organisation, note: str, actor: Any) -> TrustedAttester:
    if not is_admin(actor):
        raise Forbidden("only an admin decides whom the platform trusts", code=LicensingCode.NOT_AN_ADMIN)
    note = note.strip()
    if not note or len(note) > 200:
        raise Invalid("say in 1 to 200 characters why it is trusted", detail={"field": "note"})
    with transaction.atomic():
        if TrustedAttester.objects.filter(organisation=organisation).exists():
            raise Conflict("this organisation is already trusted", code=LicensingCode.ALREADY_TRUSTED)
        trust = TrustedAttester.objects.create(
            organisation=organisation, note=note, granted_by=actor, granted_at=clock.now()
        )
        audit_record(actor=actor, action=AuditAction.ATTESTER_TRUSTED, target=organisation, data={"note": note})
    return trust


def likeness_attest(
    *, likeness_id: uuid.UUID, organisation_id: uuid.UUID, statement: str, actor: Any
) -> LikenessAttestation:
    """A member of a trusted organisation attests a likeness (any that is not erased)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not is_member(actor, organisation):
        raise NotFound("no such organisation")
    if not TrustedAttester.objects.filter(organisation=organisation).exists():
        raise Forbidden(
            "this organisation is not trusted to attest likenesses", code=LicensingCode.ATTESTER_NOT_TRUSTED
        )
    statement = statement.strip()
    if not statement or len(statement) > 500:
        raise Invalid("the statement must be 1 to 500 characters", detail={"field": "statement"})
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().filter(pk=likeness_id).first()
        if likeness is None or likeness.status == LikenessStatus.ERASED:
            raise NotFound("no such likeness")
        attestation = LikenessAttestation.objects.create(
            likeness=likeness,
            organisation=organisation,
            attested_by=actor,
            statement=statement,
            attested_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_ATTESTED,
            target=likeness,
            data={"attestation_id": str(attestation.pk), "organisation_id": str(organisation.pk)},
        )
    return attestation


def attestations_of(likeness: Likeness) -> QuerySet[LikenessAttestation]:
    return LikenessAttestation.objects.filter(likeness=likeness).select_related("organisation")
