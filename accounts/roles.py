"""The platform's roles and how a user's roles are found.

Roles are facts about a user held by the app that owns them: admin and auditor by the audit app's
access rules, owner by the likeness app, studio and rights-holder membership by the licensing app.
Apps to the right register a provider at start-up, so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from audit.access import is_admin, is_auditor


class Role(StrEnum):
    OWNER = "owner"
    STUDIO_MEMBER = "studio_member"
    RIGHTS_HOLDER_MEMBER = "rights_holder_member"
    AUDITOR = "auditor"
    ADMIN = "admin"


RoleProvider = Callable[[Any], set[Role]]
_providers: list[RoleProvider] = []


def register_role_provider(provider: RoleProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def user_roles(user: Any) -> set[Role]:
    if not getattr(user, "is_authenticated", False):
        return set()
    roles: set[Role] = set()
    if is_admin(user):
        roles.add(Role.ADMIN)
    if is_auditor(user):
        roles.add(Role.AUDITOR)
    for provider in _providers:
        roles |= provider(user)
    return roles
