"""The likeness's enrolment state machine: every allowed status change is made, saved and audited; every
other one is refused with `likeness_transition_refused`, and nothing is written.

Personas: an actor (Ada) who owns the likeness; enrolment, an admin's review and erasure move it.
"""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.models import AuditEntry
from config.errors import Conflict
from likeness.likeness_states import ALLOWED, TRANSITION_REFUSED, likeness_transition
from likeness.models import Likeness, LikenessStatus
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def audited(likeness: Likeness) -> list[tuple[str, dict]]:
    entries = AuditEntry.objects.filter(target_type="likeness.likeness", target_id=str(likeness.pk)).order_by("seq")
    return [(e.action, e.data) for e in entries]


def put_in(likeness: Likeness, status: LikenessStatus) -> Likeness:
    Likeness.objects.filter(pk=likeness.pk).update(status=status, licensable=True)
    return Likeness.objects.get(pk=likeness.pk)


def test_the_table_is_the_documented_life_of_a_likeness() -> None:
    """A draft is enrolled, or frozen when its face is already enrolled; an admin's review enrols a
    frozen one; a claim puts an enrolled or frozen likeness under dispute, and the admin's decision
    returns it to enrolled or to where it was; any likeness may be erased, and erasure is for good."""
    d, e, f, x = LikenessStatus.DRAFT, LikenessStatus.ENROLLED, LikenessStatus.FROZEN, LikenessStatus.ERASED
    u = LikenessStatus.DISPUTED
    assert ALLOWED == {d: {e, f, x}, f: {e, u, x}, e: {u, x}, u: {e, f, x}, x: set()}


@pytest.mark.parametrize("source", list(LikenessStatus), ids=str)
def test_from_each_status_allowed_changes_are_made_and_the_others_refused(source: LikenessStatus) -> None:
    likeness = make_actor("ada").likeness
    for target in LikenessStatus:
        likeness = put_in(likeness, source)
        before = audited(likeness)
        if target in ALLOWED[source]:
            likeness_transition(
                likeness,
                to=target,
                action=AuditAction.LIKENESS_REVIEWED,
                data={"decision": "test"},
                changes={"licensable": False},
            )
            stored = Likeness.objects.get(pk=likeness.pk)
            assert (stored.status, stored.licensable) == (target, False)
            assert audited(likeness) == [*before, (AuditAction.LIKENESS_REVIEWED.value, {"decision": "test"})]
        else:
            with pytest.raises(Conflict) as refused:
                likeness_transition(
                    likeness, to=target, action=AuditAction.LIKENESS_REVIEWED, data={}, changes={"licensable": False}
                )
            assert refused.value.code == TRANSITION_REFUSED, (source, target)
            assert refused.value.detail == {"from": source.value, "to": target.value}
            stored = Likeness.objects.get(pk=likeness.pk)
            assert (stored.status, stored.licensable) == (source, True), (source, target)
            assert audited(likeness) == before, (source, target)
