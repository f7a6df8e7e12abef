"""A checkpoint is made by the append that reaches each multiple of AUDIT_CHECKPOINT_EVERY_ENTRIES, on
commit, so the tail a database writer could cut unseen is bounded; a longer cut is caught.

Personas: the platform appending; an auditor; an attacker with database access who deletes the newest
entries.
"""

from __future__ import annotations

import pytest

from audit.actions import AuditAction
from audit.custody import audit_log_verify
from audit.models import AuditCheckpoint, AuditEntry
from audit.services import AuditTarget, audit_record
from tests.audit_custody import cut_tail, use_own_audit_keys

pytestmark = pytest.mark.django_db

EVERY = 5


@pytest.fixture
def cadence(settings, tmp_path):
    use_own_audit_keys(settings, tmp_path)
    settings.AUDIT_CHECKPOINT_EVERY_ENTRIES = EVERY
    assert not AuditEntry.objects.exists()


def append_and_commit(capture, count: int) -> list[int]:
    """`count` appends, each committed on its own (its on-commit work runs), returning the unseen tail after each."""
    unseen = []
    for n in range(count):
        with capture(execute=True):
            audit_record(actor=None, action=AuditAction.ROLE_GRANTED, target=AuditTarget("test.thing", str(n)))
        unseen.append(audit_log_verify().checkpoints.unseen_entries)
    return unseen


def test_a_checkpoint_is_made_each_time_the_log_crosses_the_bound(cadence, django_capture_on_commit_callbacks):
    unseen = append_and_commit(django_capture_on_commit_callbacks, 23)
    assert sorted(AuditCheckpoint.objects.values_list("tree_size", flat=True)) == [5, 10, 15, 20]
    assert max(unseen) == EVERY - 1, "never more than EVERY - 1 entries outside a signed checkpoint"
    assert audit_log_verify().ok


def test_appends_rolled_back_make_no_checkpoint(cadence, django_capture_on_commit_callbacks):
    from django.db import transaction

    append_and_commit(django_capture_on_commit_callbacks, 4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=None, action=AuditAction.ROLE_GRANTED, target=AuditTarget("test.thing", "x"))
            raise RuntimeError("the write it described failed")
    assert callbacks == [] and not AuditCheckpoint.objects.exists()
    append_and_commit(django_capture_on_commit_callbacks, 1)  # takes seq 5 again, and checkpoints it
    assert list(AuditCheckpoint.objects.values_list("tree_size", flat=True)) == [5]


def test_a_tail_cut_within_the_window_is_unseen(cadence, django_capture_on_commit_callbacks):
    append_and_commit(django_capture_on_commit_callbacks, 13)  # checkpoints at 5 and 10; 11..13 unseen
    cut_tail(after_seq=10)
    verdict = audit_log_verify()
    assert verdict.ok, "the documented window: entries after the newest checkpoint can be cut unseen"
    assert verdict.checkpoints.unseen_entries == 0


def test_a_tail_cut_beyond_the_window_is_caught_by_a_checkpoint(cadence, django_capture_on_commit_callbacks):
    append_and_commit(django_capture_on_commit_callbacks, 13)
    cut_tail(after_seq=8)
    verdict = audit_log_verify()
    assert verdict.chain.ok, "the shortened chain is still a valid chain"
    assert (verdict.ok, verdict.problem) == (False, "entries_missing")
    assert [p["tree_size"] for p in verdict.checkpoints.problems] == [10]
