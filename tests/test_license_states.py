"""The licence's state machine: every allowed status change is made, saved and audited; every other one
is refused with `license_transition_refused`, and nothing is written.

Personas: an actor (Ada) whose likeness a studio (Studio Pictures) asked to license; the platform
moves the licence (approval, revocation, expiry, the quota).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from config import clock
from config.errors import Conflict
from licensing.license_states import ALLOWED, TRANSITION_REFUSED, license_transition
from licensing.models import License, LicenseStatus
from tests.factories import make_licensed_story

pytestmark = pytest.mark.django_db


def audited(license: License) -> list[tuple[str, dict]]:
    entries = AuditEntry.objects.filter(target_type="licensing.license", target_id=str(license.pk)).order_by("seq")
    return [(e.action, e.data) for e in entries]


def put_in(license: License, status: LicenseStatus) -> License:
    License.objects.filter(pk=license.pk).update(status=status, revoke_reason="")
    return License.objects.get(pk=license.pk)


def test_the_table_is_the_documented_life_of_a_licence() -> None:
    """Requested: approved or declined. Active: used up, revoked or expired; a use given back makes an
    exhausted licence active again. Declined, revoked and expired licences stay so."""
    req, act, exh = LicenseStatus.REQUESTED, LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED
    dec, rev, exp = LicenseStatus.DECLINED, LicenseStatus.REVOKED, LicenseStatus.EXPIRED
    assert ALLOWED == {
        req: {act, dec},
        act: {exh, rev, exp},
        exh: {act, rev, exp},
        dec: set(),
        rev: set(),
        exp: set(),
    }


@pytest.mark.parametrize("source", list(LicenseStatus), ids=str)
def test_from_each_status_allowed_changes_are_made_and_the_others_refused(source: LicenseStatus) -> None:
    license = make_licensed_story(approve=False).license
    for target in LicenseStatus:
        license = put_in(license, source)
        before = audited(license)
        at = clock.now() - timedelta(minutes=5)
        if target in ALLOWED[source]:
            license_transition(
                license,
                to=target,
                action=AuditAction.LICENSE_REVOKED,
                data={"reason": "test"},
                changes={"revoke_reason": "test"},
                at=at,
            )
            stored = License.objects.get(pk=license.pk)
            assert (stored.status, stored.status_changed_at, stored.revoke_reason) == (target, at, "test")
            assert audited(license) == [*before, (AuditAction.LICENSE_REVOKED.value, {"reason": "test"})]
        else:
            with pytest.raises(Conflict) as refused:
                license_transition(
                    license, to=target, action=AuditAction.LICENSE_REVOKED, data={}, changes={"revoke_reason": "x"}
                )
            assert refused.value.code == TRANSITION_REFUSED, (source, target)
            assert refused.value.detail == {"from": source.value, "to": target.value}
            stored = License.objects.get(pk=license.pk)
            assert (stored.status, stored.revoke_reason) == (source, ""), (source, target)
            assert audited(license) == before, (source, target)
