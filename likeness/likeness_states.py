"""The likeness's enrolment state machine: which status changes are allowed, and the one function that
makes them.

Every change of `Likeness.status` goes through `likeness_transition`, which refuses an edge the table
does not list (code `likeness_transition_refused`), saves the new status (with `updated_at` and the
fields the caller changes alongside it), and writes the change's audit entry in the same transaction.
The caller holds the likeness's row lock (select_for_update). A likeness is created DRAFT.

DRAFT -> FROZEN is an enrolment whose face is already enrolled as another likeness (held for an
admin's review); FROZEN -> ENROLLED is the admin approving it. ENROLLED or FROZEN -> DISPUTED is a claim
by someone whose live capture matches the face (licensing/claims.py); an admin's decision returns it to
ENROLLED (the claim upheld: the likeness passes to the claimant) or to where it was (the claim
rejected). Any likeness not yet erased may be erased.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict
from likeness.codes import LikenessCode
from likeness.models import Likeness, LikenessStatus

ALLOWED: dict[LikenessStatus, frozenset[LikenessStatus]] = {
    LikenessStatus.DRAFT: frozenset({LikenessStatus.ENROLLED, LikenessStatus.FROZEN, LikenessStatus.ERASED}),
    LikenessStatus.FROZEN: frozenset({LikenessStatus.ENROLLED, LikenessStatus.DISPUTED, LikenessStatus.ERASED}),
    LikenessStatus.ENROLLED: frozenset({LikenessStatus.DISPUTED, LikenessStatus.ERASED}),
    LikenessStatus.DISPUTED: frozenset({LikenessStatus.ENROLLED, LikenessStatus.FROZEN, LikenessStatus.ERASED}),
    LikenessStatus.ERASED: frozenset(),
}

TRANSITION_REFUSED = LikenessCode.TRANSITION_REFUSED


def likeness_transition(
    likeness: Likeness,
    *,
    to: LikenessStatus,
    action: AuditAction,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
    actor: Actor = None,
    actor_label: str | None = None,
) -> Likeness:
    """Move `likeness` (its row locked by the caller) to `to`, setting `changes` too; save and audit.

    Raises Conflict (`likeness_transition_refused`) for an edge the table does not allow, before
    anything is written.
    """
    current = LikenessStatus(likeness.status)
    if to not in ALLOWED[current]:
        raise Conflict(
            f"a likeness cannot go from {current.value} to {to.value}",
            code=TRANSITION_REFUSED,
            detail={"from": current.value, "to": to.value},
        )
    fields = {"status": to, "updated_at": clock.now(), **(changes or {})}
    for name, value in fields.items():
        setattr(likeness, name, value)
    with transaction.atomic():
        likeness.save(update_fields=list(fields))
        audit_record(actor=actor, action=action, target=likeness, data=data, actor_label=actor_label)
    return likeness
