"""Writes for users, roles and API tokens; each one audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.actors import Actor
from accounts.codes import AccountsCode
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
            raise Conflict(f"user {username!r} already exists", code=AccountsCode.USERNAME_TAKEN)
        user = User.objects.create_user(username=username, email=email, password=password)
        audit_record(actor=actor, action=AuditAction.USER_CREATED, target=user, data={"username": username})
    return user


def user_by_username(username: str) -> Any:
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(f"no user named {username!r}", code=AccountsCode.UNKNOWN_USER) from None


def token_issue(
    *, user: Any, name: str, actor: Actor, expires_at: datetime | None = None, minted_by: ApiToken | None = None
) -> IssuedToken:
    """A new token for `user`. `minted_by` is the token the request authenticated with, if any: the
    new token dies with it (revocation cascades) and never outlives it (its expiry is capped)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name of 1 to 100 characters", detail={"field": "name"})
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise Invalid(
            "a token's expiry must be in the future",
            code=AccountsCode.TOKEN_EXPIRY_PAST,
            detail={"field": "expires_at"},
        )
    if minted_by is not None and minted_by.expires_at is not None:
        expires_at = min(expires_at or minted_by.expires_at, minted_by.expires_at)
    new = generate_token()
    with transaction.atomic():
        if minted_by is not None and not ApiToken.objects.filter(pk=minted_by.pk, revoked_at__isnull=True).exists():
            raise Invalid("the token this request used has been revoked", code=AccountsCode.TOKEN_REVOKED)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=new.prefix,
            digest=new.digest,
            created_at=now,
            expires_at=expires_at,
            parent=minted_by,
        )
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_ISSUED,
            target=token,
            data={
                "user_id": user.pk,
                "name": name,
                "prefix": new.prefix,
                "expires_at": None if expires_at is None else expires_at.isoformat(),
                "minted_by": None if minted_by is None else minted_by.prefix,
            },
        )
    return IssuedToken(token=token, plaintext=new.plaintext)


def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke `token` and every token minted from it, however many generations down."""
    with transaction.atomic():
        revoked = ApiToken.objects.select_for_update().get(pk=token.pk)
        pending = [revoked]
        while pending:
            current = pending.pop()
            if current.revoked_at is None:  # revoking twice is harmless and leaves one audit entry
                current.revoked_at = clock.now()
                current.save(update_fields=["revoked_at"])
                audit_record(
                    actor=actor,
                    action=AuditAction.TOKEN_REVOKED,
                    target=current,
                    data={"user_id": current.user_id, "prefix": current.prefix},
                )
            pending.extend(ApiToken.objects.select_for_update().filter(parent=current))
    return revoked


def role_grant(*, user: Any, role: Role, actor: Actor) -> None:
    _change_role(user=user, role=role, actor=actor, grant=True)


def role_revoke(*, user: Any, role: Role, actor: Actor) -> None:
    _change_role(user=user, role=role, actor=actor, grant=False)


def _change_role(*, user: Any, role: Role, actor: Actor, grant: bool) -> None:
    if role not in GRANTABLE_ROLES:
        raise Invalid(
            f"role {role.value!r} is not granted directly; it follows from likeness ownership "
            "or organisation membership",
            code=AccountsCode.ROLE_NOT_GRANTABLE,
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
