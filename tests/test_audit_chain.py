"""The audit trail is an unbroken hash chain, written only through audit_record.

Personas: an actor whose actions are recorded; the platform itself (actor None).
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
import rfc8785
from django.db import transaction

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record
from likeness.models import Likeness
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def independent_hash(entry: AuditEntry) -> str:
    """The documented format, recomputed without the code under test."""
    document = {
        "v": 1,
        "seq": entry.seq,
        "time": entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": {"id": None if entry.actor_id is None else str(entry.actor_id), "label": entry.actor_label},
        "action": entry.action,
        "target": {"type": entry.target_type, "id": entry.target_id},
        "data": entry.data,
    }
    return hashlib.sha256(bytes.fromhex(entry.prev_hash) + rfc8785.dumps(document)).hexdigest()


def test_every_write_is_chained_to_the_one_before():
    make_actor()
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    for entry in entries:
        assert entry.entry_hash == independent_hash(entry)


def test_an_entry_records_actor_label_target_and_data():
    actor = make_actor()
    entry = AuditEntry.objects.get(action="likeness.created")
    assert entry.actor_id == actor.user.pk
    assert entry.actor_label == actor.user.username
    assert (entry.target_type, entry.target_id) == ("likeness.likeness", str(actor.likeness.pk))
    assert entry.data["display_name"] == actor.likeness.display_name


def test_the_platform_itself_is_recorded_as_system():
    entry = audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("bench", "1"))
    assert entry.actor_id is None and entry.actor_label == "system"


def test_unknown_actions_and_non_json_data_are_refused():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="likeness.stolen", target=AuditTarget("x", "1"))
    with pytest.raises(ValueError, match="canonical JSON"):
        audit_record(
            actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("x", "1"), data={"n": float("nan")}
        )
    with pytest.raises(ValueError, match="canonical JSON"):
        audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("x", "1"), data={"n": 2**60})
    assert AuditEntry.objects.count() == 0


def test_a_rolled_back_write_leaves_no_entry_and_no_gap():
    actor = make_actor()
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Likeness.objects.filter(pk=actor.likeness.pk).update(display_name="changed")
        audit_record(actor=actor.user, action=AuditAction.LIKENESS_CREATED, target=actor.likeness)
        raise RuntimeError("the business write failed after auditing")
    assert AuditEntry.objects.count() == before
    audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("x", "1"))
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, before + 2))
    assert audit_chain_verify().ok


def test_entries_cannot_be_saved_twice_through_the_orm():
    make_actor()
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.actor_label = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()


def test_awkward_data_hashes_exactly_as_documented():
    # Keys named like the entry's own fields, non-ASCII text and quotes must not confuse the
    # database-side splice of the seq into the canonical text.
    entry = audit_record(
        actor=None,
        action=AuditAction.BENCH_APPENDED,
        target=AuditTarget('type,"seq":0,', 'id "quoted" ,"seq":0,'),
        data={"seq": 0, "nested": {"seq": 0, "v": 1}, "name": "张艺谋 ünïcode ☃", "n": 1.5, "big": 2**53 - 1},
    )
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.entry_hash == entry.entry_hash == independent_hash(stored)
    assert audit_chain_verify().ok


def test_entries_take_their_time_from_the_platform_clock(clock):
    from datetime import UTC, datetime, timedelta

    clock.set(datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    first = audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("x", "1"))
    clock.advance(timedelta(days=1))
    second = audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("x", "2"))
    assert AuditEntry.objects.get(seq=first.seq).created_at == datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert AuditEntry.objects.get(seq=second.seq).created_at == datetime(2030, 1, 3, 3, 4, 5, 678901, tzinfo=UTC)
    assert audit_chain_verify().ok
