"""Writes for works: registering a work with its media files and declared rights, and the adaptation
grants a holder gives studios (grant, revoke)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Invalid
from licensing.codes import LicensingCode
from licensing.documents import (
    format_time,
)
from licensing.models import (
    AdaptationGrant,
    Organisation,
    OrganisationKind,
    RightKind,
    Work,
    WorkFile,
    WorkKind,
    WorkRight,
)
from licensing.parties import require_member
from licensing.scope import ScopeError, clean_territories
from licensing.selectors import (
    holder_can_adapt,
)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class WorkFileSpec:
    sha256: str
    media_type: str
    name: str = ""


@dataclass(frozen=True)
class WorkRightSpec:
    right: RightKind
    territories: list[str]
    valid_from: datetime
    valid_until: datetime | None = None


def _clean_sha256(value: str) -> str:
    value = value.strip().lower()
    if not _SHA256.match(value):
        raise Invalid("sha256 must be 64 hexadecimal digits", detail={"field": "sha256"})
    return value


def _clean_territories(values: list[str], field_name: str = "territories") -> list[str]:
    try:
        return list(clean_territories(values))
    except ScopeError as exc:
        raise Invalid(str(exc), detail={"field": field_name}) from None


def _add_file(*, work: Work, file: WorkFileSpec, actor: Actor) -> WorkFile:
    sha256 = _clean_sha256(file.sha256)
    taken = WorkFile.objects.filter(sha256=sha256).values_list("work_id", flat=True).first()
    if taken is not None:
        raise Conflict(
            "this media file is already registered to a work",
            code=LicensingCode.WORK_FILE_TAKEN,
            detail={"sha256": sha256, "same_work": str(taken) == str(work.pk)},
        )
    try:
        with transaction.atomic():
            created = WorkFile.objects.create(
                work=work,
                sha256=sha256,
                media_type=file.media_type,
                name=file.name.strip()[:300],
                created_at=clock.now(),
            )
    except IntegrityError:  # a concurrent claim on the same file won the race
        raise Conflict(
            "this media file is already registered to a work",
            code=LicensingCode.WORK_FILE_TAKEN,
            detail={"sha256": sha256},
        ) from None
    audit_record(
        actor=actor,
        action=AuditAction.WORK_FILE_REGISTERED,
        target=work,
        data={"sha256": sha256, "media_type": file.media_type, "name": created.name},
    )
    return created


def _add_right(*, work: Work, right: WorkRightSpec, actor: Actor) -> WorkRight:
    if right.valid_until is not None and right.valid_until <= right.valid_from:
        raise Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    territories = _clean_territories(right.territories)
    created = WorkRight.objects.create(
        work=work,
        right=right.right,
        territories=territories,
        valid_from=right.valid_from,
        valid_until=right.valid_until,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.WORK_RIGHT_REGISTERED,
        target=work,
        data={
            "right": right.right.value,
            "territories": territories,
            "valid_from": format_time(right.valid_from),
            "valid_until": None if right.valid_until is None else format_time(right.valid_until),
        },
    )
    return created


def work_register(
    *,
    holder: Organisation,
    title: str,
    kind: WorkKind,
    identifiers: dict[str, str],
    files: list[WorkFileSpec],
    rights: list[WorkRightSpec],
    actor: Actor,
) -> Work:
    """Register a work, its media files and the rights its holder declares on it.

    The holder is usually a rights holder; a studio that holds a work itself registers it as its
    own holder. A file already registered to any work is a conflict (`work_file_taken`).
    """
    require_member(actor, holder, "register works for it")
    title = title.strip()
    if not title or len(title) > 300:
        raise Invalid("title must be 1 to 300 characters", detail={"field": "title"})
    with transaction.atomic():
        work = Work.objects.create(
            holder=holder, title=title, kind=kind, identifiers=dict(identifiers), created_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.WORK_REGISTERED,
            target=work,
            data={"holder_id": str(holder.pk), "title": title, "kind": kind.value, "identifiers": dict(identifiers)},
        )
        for file in files:
            _add_file(work=work, file=file, actor=actor)
        for right in rights:
            _add_right(work=work, right=right, actor=actor)
    return work


def work_file_add(*, work: Work, file: WorkFileSpec, actor: Actor) -> WorkFile:
    require_member(actor, work.holder, "add files to its works")
    with transaction.atomic():
        return _add_file(work=work, file=file, actor=actor)


def work_right_add(*, work: Work, right: WorkRightSpec, actor: Actor) -> WorkRight:
    require_member(actor, work.holder, "declare rights on its works")
    with transaction.atomic():
        return _add_right(work=work, right=right, actor=actor)


def adaptation_grant_create(
    *,
    work: Work,
    studio: Organisation,
    territories: list[str],
    valid_from: datetime,
    valid_until: datetime,
    actor: Actor,
) -> AdaptationGrant:
    """The work's holder grants `studio` the right to adapt it, for a term, revocably."""
    require_member(actor, work.holder, "grant rights on its works")
    if studio.kind != OrganisationKind.STUDIO:
        raise Invalid("adaptation rights are granted to studios", detail={"field": "studio_id"})
    if valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    places = _clean_territories(territories)
    if not holder_can_adapt(work_id=work.pk, at=max(valid_from, clock.now()), territory=None):
        raise Conflict(
            "the holder has declared no adaptation right on this work to grant",
            code=LicensingCode.HOLDER_LACKS_ADAPTATION_RIGHT,
        )
    with transaction.atomic():
        grant = AdaptationGrant.objects.create(
            work=work,
            studio=studio,
            territories=places,
            valid_from=valid_from,
            valid_until=valid_until,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.ADAPTATION_GRANTED,
            target=grant,
            data={
                "work_id": str(work.pk),
                "studio_id": str(studio.pk),
                "territories": places,
                "valid_from": format_time(valid_from),
                "valid_until": format_time(valid_until),
            },
        )
    return grant


def adaptation_grant_revoke(*, grant: AdaptationGrant, reason: str, actor: Actor) -> AdaptationGrant:
    """Revoke a grant; renders on the work by that studio are refused from now on."""
    require_member(actor, grant.work.holder, "revoke rights on its works")
    with transaction.atomic():
        grant = AdaptationGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise Conflict("this grant is already revoked", code=LicensingCode.ALREADY_REVOKED)
        grant.revoked_at = clock.now()
        grant.revoke_reason = reason.strip()[:500]
        grant.save(update_fields=["revoked_at", "revoke_reason"])
        audit_record(
            actor=actor, action=AuditAction.ADAPTATION_GRANT_REVOKED, target=grant, data={"reason": grant.revoke_reason}
        )
    return grant
