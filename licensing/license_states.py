"""The licence's state machine: which status changes are allowed, and the one function that makes them.

Every change of `License.status` goes through `license_transition`, which refuses an edge the table
does not list (code `license_transition_refused`), saves the new status, when it changed and the
fields the caller changes alongside it, and writes the change's audit entry in the same transaction.
The caller holds the licence's row lock (select_for_update). A licence is created REQUESTED
(licensing/lifecycle.py); the webhook event of a change is the caller's to emit.

EXHAUSTED -> ACTIVE is a render that failed giving back the use it had reserved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict
from licensing.codes import LicensingCode
from licensing.models import License, LicenseStatus

ALLOWED: dict[LicenseStatus, frozenset[LicenseStatus]] = {
    LicenseStatus.REQUESTED: frozenset({LicenseStatus.ACTIVE, LicenseStatus.DECLINED}),
    LicenseStatus.ACTIVE: frozenset({LicenseStatus.EXHAUSTED, LicenseStatus.REVOKED, LicenseStatus.EXPIRED}),
    LicenseStatus.EXHAUSTED: frozenset({LicenseStatus.ACTIVE, LicenseStatus.REVOKED, LicenseStatus.EXPIRED}),
    LicenseStatus.DECLINED: frozenset(),
    LicenseStatus.REVOKED: frozenset(),
    LicenseStatus.EXPIRED: frozenset(),
}

TRANSITION_REFUSED = LicensingCode.TRANSITION_REFUSED


def license_transition(
    license: License,
    *,
    to: LicenseStatus,
    action: AuditAction,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor: Actor = None,
    actor_label: str | None = None,
) -> License:
    """Move `license` (its row locked by the caller) to `to` as of `at` (now by default), setting
    `changes` too; save and audit. Raises Conflict (`license_transition_refused`) for an edge the
    table does not allow, before anything is written."""
    current = LicenseStatus(license.status)
    if to not in ALLOWED[current]:
        raise Conflict(
            f"a licence cannot go from {current.value} to {to.value}",
            code=TRANSITION_REFUSED,
            detail={"from": current.value, "to": to.value},
        )
    fields = {**(changes or {}), "status": to, "status_changed_at": clock.now() if at is None else at}
    for name, value in fields.items():
        setattr(license, name, value)
    with transaction.atomic():
        license.save(update_fields=list(fields))
        audit_record(actor=actor, action=action, target=license, data=data, actor_label=actor_label)
    return license
