"""Writes for likeness owners and likenesses (enrolment of photos comes with the face engines)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid
from likeness.models import Likeness, LikenessOwner, LikenessStatus


def _clean_name(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise Invalid(f"{field} must be 1 to 200 characters", detail={"field": field})
    return value


def owner_register(*, user: Any, display_name: str, actor: Any) -> LikenessOwner:
    display_name = _clean_name(display_name, "display_name")
    with transaction.atomic():
        if LikenessOwner.objects.filter(user=user).exists():
            raise Conflict("this user is already a likeness owner", code="already_owner")
        owner = LikenessOwner.objects.create(user=user, display_name=display_name, created_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_OWNER_REGISTERED,
            target=owner,
            data={"user_id": user.pk, "display_name": display_name},
        )
    return owner


def likeness_create(*, owner: LikenessOwner | None, display_name: str, actor: Any) -> Likeness:
    if owner is None:
        raise Forbidden("only registered likeness owners may create likenesses", code="not_an_owner")
    display_name = _clean_name(display_name, "display_name")
    now = clock.now()
    with transaction.atomic():
        likeness = Likeness.objects.create(owner=owner, display_name=display_name, created_at=now, updated_at=now)
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_CREATED,
            target=likeness,
            data={"owner_id": owner.pk, "display_name": display_name},
        )
    return likeness


def likeness_set_licensable(*, likeness: Likeness, licensable: bool, actor: Any) -> Likeness:
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status == LikenessStatus.ERASED:
            raise Conflict("an erased likeness cannot change", code="likeness_erased")
        if likeness.licensable == licensable:
            return likeness
        likeness.licensable = licensable
        likeness.updated_at = clock.now()
        likeness.save(update_fields=["licensable", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_LICENSABILITY_CHANGED,
            target=likeness,
            data={"licensable": licensable},
        )
    return likeness
