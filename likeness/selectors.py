from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Role
from audit.access import is_admin
from config.errors import NotFound
from likeness.models import Likeness, LikenessOwner, LikenessStatus


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


@dataclass(frozen=True)
class FrozenEnrolment:
    """A frozen likeness awaiting review, and the enrolled likenesses its face matched."""

    likeness: Likeness
    frozen_at: Any
    matches: list[Likeness]


def frozen_enrolments(user: Any) -> list[FrozenEnrolment]:
    """Admins only (anyone else: NotFound): every frozen likeness, oldest first, with its matches."""
    from audit.actions import AuditAction
    from audit.models import AuditEntry

    if not is_admin(user):
        raise NotFound("no such page")
    frozen = list(Likeness.objects.select_related("owner").filter(status=LikenessStatus.FROZEN).order_by("updated_at"))
    entries = AuditEntry.objects.filter(
        action=AuditAction.LIKENESS_FROZEN, target_type="likeness.likeness", target_id__in=[str(f.pk) for f in frozen]
    ).order_by("seq")
    matched: dict[str, tuple[Any, list[str]]] = {
        e.target_id: (e.created_at, list(e.data.get("matching_likeness_ids", []))) for e in entries
    }
    ids = {i for _, found in matched.values() for i in found}
    others = {str(o.pk): o for o in Likeness.objects.select_related("owner").filter(pk__in=ids)}
    return [
        FrozenEnrolment(
            likeness=f,
            frozen_at=matched.get(str(f.pk), (f.updated_at, []))[0],
            matches=[others[i] for i in matched.get(str(f.pk), (None, []))[1] if i in others],
        )
        for f in frozen
    ]


def review_outcome(likeness: Likeness) -> str | None:
    """ "approve" or "reject" once an admin reviewed this likeness's frozen enrolment, else None."""
    from audit.actions import AuditAction
    from audit.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(
            action=AuditAction.LIKENESS_REVIEWED, target_type="likeness.likeness", target_id=str(likeness.pk)
        )
        .order_by("-seq")
        .first()
    )
    return None if entry is None else str(entry.data.get("decision") or "") or None
