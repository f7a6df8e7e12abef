"""Writes for parties: organisations and their members (create, add, remove), and the membership check
the other licensing writes share."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.actors import Actor
from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.codes import LicensingCode
from licensing.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)
from licensing.selectors import (
    is_manager,
    is_member,
)


def organisation_create(*, name: str, kind: OrganisationKind, creator: Any, actor: Actor) -> Organisation:
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
        # The English message of the API: the kind by its code, not its (translated) label.
        kind_words = kind.value.replace("_", " ")
        raise Conflict(
            f"a {kind_words} named {name!r} already exists", code=LicensingCode.ORGANISATION_EXISTS
        ) from None
    return organisation


def membership_add(*, organisation: Organisation, user: Any, role: MembershipRole, actor: Actor) -> Membership:
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
        raise Conflict("that user is already a member", code=LicensingCode.ALREADY_MEMBER) from None
    return membership


def membership_remove(*, organisation: Organisation, user_id: int, actor: Actor) -> None:
    if not is_manager(actor, organisation):
        raise Forbidden("only the organisation's managers may remove members")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(organisation=organisation, user_id=user_id).first()
        if membership is None:
            raise NotFound("no such member")
        managers = Membership.objects.filter(organisation=organisation, role=MembershipRole.MANAGER)
        if membership.role == MembershipRole.MANAGER and managers.count() == 1:
            raise Conflict("an organisation keeps at least one manager", code=LicensingCode.LAST_MANAGER)
        membership.delete()
        audit_record(actor=actor, action=AuditAction.MEMBERSHIP_REMOVED, target=organisation, data={"user_id": user_id})


def require_member(actor: Actor, organisation: Organisation, doing: str) -> None:
    if not (is_admin(actor) or is_member(actor, organisation)):
        raise Forbidden(f"only members of {organisation.name} may {doing}")
