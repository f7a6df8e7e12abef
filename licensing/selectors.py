from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Role
from audit.access import is_admin
from config.errors import NotFound
from licensing.models import Membership, MembershipRole, Organisation, OrganisationKind

_KIND_ROLES = {OrganisationKind.STUDIO: Role.STUDIO_MEMBER, OrganisationKind.RIGHTS_HOLDER: Role.RIGHTS_HOLDER_MEMBER}


def membership_roles(user: Any) -> set[Role]:
    kinds = Membership.objects.filter(user=user).values_list("organisation__kind", flat=True).distinct()
    return {_KIND_ROLES[OrganisationKind(kind)] for kind in kinds}


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Members see their organisations; admins see all; nobody else sees any."""
    organisations = Organisation.objects.order_by("name")
    if is_admin(user):
        return organisations
    return organisations.filter(memberships__user=user).distinct()


def organisation_visible_to(user: Any, organisation_id: uuid.UUID) -> Organisation:
    organisation = organisations_visible_to(user).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def is_manager(user: Any, organisation: Organisation) -> bool:
    return (
        is_admin(user)
        or Membership.objects.filter(organisation=organisation, user=user, role=MembershipRole.MANAGER).exists()
    )


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("created_at")
