"""Invitations: an owner gives a studio a link instead of her likeness's id.

The link carries a short random code; only its SHA-256 is stored, so the database cannot give the
link away. An invitation expires (14 days by default) and the owner may revoke it. Opening it names
the likeness a request is for; the request itself goes through license_request like any other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.codes import LicensingCode
from licensing.models import LicenceInvitation
from likeness.models import Likeness, LikenessStatus

DEFAULT_DAYS = 14
MAX_DAYS = 90
CODE_BYTES = 9  # 12 url-safe characters, 72 random bits


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def invitation_create(
    *, likeness: Likeness, actor: Actor, note: str = "", days: int = DEFAULT_DAYS
) -> tuple[LicenceInvitation, str]:
    """A new invitation to request a licence on `likeness`; returns it and its code (shown once)."""
    if likeness.owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the likeness's owner may invite studios", code="not_the_owner")
    if likeness.status == LikenessStatus.ERASED:
        raise Conflict("this likeness is erased", code="likeness_not_licensable")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"an invitation lasts 1 to {MAX_DAYS} days", detail={"field": "days"})
    code = secrets.token_urlsafe(CODE_BYTES)
    now = clock.now()
    with transaction.atomic():
        invitation = LicenceInvitation.objects.create(
            likeness=likeness,
            code_sha256=code_hash(code),
            note=note.strip()[:200],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_INVITATION_CREATED,
            target=invitation,
            data={"likeness_id": str(likeness.pk), "expires_at": invitation.expires_at.isoformat()},
        )
    return invitation, code


def invitation_revoke(*, invitation: LicenceInvitation, actor: Actor) -> LicenceInvitation:
    if invitation.likeness.owner.user_id != getattr(actor, "pk", None):
        raise NotFound("no such invitation")
    with transaction.atomic():
        invitation = LicenceInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.revoked_at is not None:
            raise Conflict("this invitation is already revoked", code=LicensingCode.INVITATION_REVOKED)
        invitation.revoked_at = clock.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.LICENCE_INVITATION_REVOKED, target=invitation, data={})
    return invitation


def invitation_open(code: str) -> LicenceInvitation:
    """The live invitation with this code; refuses an unknown, revoked or expired one."""
    invitation = (
        LicenceInvitation.objects.select_related("likeness", "likeness__owner")
        .filter(code_sha256=code_hash(code))
        .first()
    )
    if invitation is None:
        raise NotFound("no such invitation", code=LicensingCode.INVITATION_UNKNOWN)
    if invitation.revoked_at is not None:
        raise Conflict("the owner revoked this invitation", code=LicensingCode.INVITATION_REVOKED)
    if clock.now() >= invitation.expires_at:
        raise Conflict("this invitation has expired", code=LicensingCode.INVITATION_EXPIRED)
    return invitation


def invitations_of(likeness: Likeness) -> list[LicenceInvitation]:
    return list(LicenceInvitation.objects.filter(likeness=likeness).order_by("-created_at")[:20])
