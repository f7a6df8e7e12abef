"""Writes for users, roles and API tokens; each one audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.actors import Actor
from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import generate_token
from audit.access import AUDITOR_GROUP
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Invalid, NotFound

# Roles held by a flag or group on the user; the others follow from owning a likeness or
# belonging to an organisation and are granted through those apps.
GRANTABLE_ROLES = {Role.AUDITOR, Role.ADMIN}


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def user_create(*, username: str, email: str = "", password: str | None = None, actor: Actor = None) -> Any:
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(f"user {username!r} already exists", code="username_taken")
        user = User.objects.create_user(username=username, email=email, password=password)
        audit_record(actor=actor, action=AuditAction.USER_CREATED, target=user, data={"username": username})
    return user


def user_by_username(username: str) -> Any:
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(f"no user named {username!r}", code="unknown_user") from None


def token_issue(*, user: Any, name: str, actor: Actor) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name of 1 to 100 characters", detail={"field": "name"})
    new = generate_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=new.prefix, digest=new.digest, created_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_ISSUED,
            target=token,
            data={"user_id": user.pk, "name": name, "prefix": new.prefix},
        )
    return IssuedToken(token=token, plaintext=new.plaintext)


def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token  # revoking twice is harmless and leaves one audit entry
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            target=token,
            data={"user_id": token.user_id, "prefix": token.prefix},
        )
    return token


def role_grant(*, user: Any, role: Role, actor: Actor) -> None:
    _change_role(user=user, role=role, actor=actor, grant=True)


def role_revoke(*, user: Any, role: Role, actor: Actor) -> None:
    _change_role(user=user, role=role, actor=actor, grant=False)


def _change_role(*, user: Any, role: Role, actor: Actor, grant: bool) -> None:
    if role not in GRANTABLE_ROLES:
        raise Invalid(
            f"role {role.value!r} is not granted directly; it follows from likeness ownership "
            "or organisation membership",
            code="role_not_grantable",
        )
    with transaction.atomic():
        if role is Role.AUDITOR:
            group, _ = Group.objects.get_or_create(name=AUDITOR_GROUP)
            if grant:
                user.groups.add(group)
            else:
                user.groups.remove(group)
            # Auditors review the trail in Django admin, which only admits staff.
            user.is_staff = grant or user.is_superuser
            user.save(update_fields=["is_staff"])
        else:
            user.is_superuser = grant
            user.is_staff = grant
            user.save(update_fields=["is_superuser", "is_staff"])
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_GRANTED if grant else AuditAction.ROLE_REVOKED,
            target=user,
            data={"role": role.value},
        )
