from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Role
from audit.access import is_admin
from config.errors import NotFound
from likeness.models import Likeness, LikenessOwner


def owner_roles(user: Any) -> set[Role]:
    return {Role.OWNER} if LikenessOwner.objects.filter(user=user).exists() else set()


def owner_of(user: Any) -> LikenessOwner | None:
    return LikenessOwner.objects.filter(user=user).first()


def likenesses_visible_to(user: Any) -> QuerySet[Likeness]:
    """An owner sees their own likenesses; an admin sees all; everyone else sees none."""
    likenesses = Likeness.objects.select_related("owner").order_by("-created_at")
    if is_admin(user):
        return likenesses
    return likenesses.filter(owner__user=user)


def likeness_visible_to(user: Any, likeness_id: uuid.UUID) -> Likeness:
    likeness = likenesses_visible_to(user).filter(pk=likeness_id).first()
    if likeness is None:
        raise NotFound("no such likeness")
    return likeness
