"""On PostgreSQL an entry appended inside a transaction is staged without any lock and chained while
that transaction commits, so the audit lock is held only inside the server, never across a client
round trip; the entry the caller got back learns its seq and hashes once the commit has chained it.

Personas: a service of the platform appending inside its transaction; another appender holding the
audit lock; the platform's index hygiene.
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.append_sql import APPEND_LOCK_KEY, PENDING_TABLE
from audit.models import AuditEntry, CheckpointCosignature
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record

pytestmark = pytest.mark.postgres


def append(name: str) -> AuditEntry:
    return audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("service", name))


def audit_locks_held_here() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
        )
        return int(cursor.fetchone()[0])


def staged_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PENDING_TABLE}")
        return int(cursor.fetchone()[0])


def test_a_service_stages_without_the_lock_and_its_commit_chains(committed_db):
    with transaction.atomic():
        entry = append("1")
        assert audit_locks_held_here() == 0, "staging takes no lock"
        assert entry.seq is None and not AuditEntry.objects.exists(), "not chained before the commit"
        assert staged_rows() == 1
    assert audit_locks_held_here() == 0
    assert staged_rows() == 0
    stored = AuditEntry.objects.get()
    assert (entry.seq, entry.prev_hash, entry.entry_hash) == (1, stored.prev_hash, stored.entry_hash)
    assert audit_chain_verify().ok


def test_staging_never_waits_for_another_appender_only_the_commit_does(committed_db):
    holder = connections.create_connection("default")
    holder.ensure_connection()
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [APPEND_LOCK_KEY])  # another appender, mid-commit
    staged, committed = threading.Event(), threading.Event()
    returned: list[AuditEntry] = []
    errors: list[BaseException] = []

    def service() -> None:
        try:
            with transaction.atomic():
                returned.append(append("waits at commit"))
                staged.set()
            committed.set()
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=service)
    thread.start()
    try:
        assert staged.wait(timeout=10), "staging must not wait for the audit lock"
        assert not committed.wait(timeout=0.5), "the commit chains, so it waits for the lock"
        assert not AuditEntry.objects.exists()
    finally:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [APPEND_LOCK_KEY])
        holder.close()
        thread.join(timeout=30)
    assert errors == [] and committed.is_set()
    assert returned[0].seq == 1 and AuditEntry.objects.get().entry_hash == returned[0].entry_hash


def test_entries_are_chained_in_the_order_staged_and_a_rolled_back_savepoint_leaves_no_gap(committed_db):
    with transaction.atomic():
        first = append("first")
        with pytest.raises(RuntimeError), transaction.atomic():
            dropped = append("dropped")
            raise RuntimeError("the nested write failed")
        second = append("second")
        with transaction.atomic():
            third = append("third, in a released savepoint")
    assert (first.seq, second.seq, third.seq, dropped.seq) == (1, 2, 3, None)
    stored = {e.seq: e for e in AuditEntry.objects.all()}
    assert [stored[n].target_id for n in (1, 2, 3)] == ["first", "second", "third, in a released savepoint"]
    assert [stored[e.seq].entry_hash for e in (first, second, third)] == [e.entry_hash for e in (first, second, third)]
    assert audit_chain_verify().ok and staged_rows() == 0


def test_a_rolled_back_transaction_stages_nothing_that_survives(committed_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        append("rolled back")
        raise RuntimeError("the business write failed after auditing")
    assert not AuditEntry.objects.exists() and staged_rows() == 0
    assert append("next").seq == 1, "the next append takes seq 1: no gap"


def test_after_staging_every_other_constraint_is_checked_at_once(committed_db):
    # So that at COMMIT nothing but the chain takes row locks after the audit lock (no deadlock with a
    # transaction that holds such a row and waits to chain).
    with transaction.atomic():
        append("1")
        with pytest.raises(IntegrityError), transaction.atomic():
            CheckpointCosignature.objects.create(
                checkpoint_id=987_654, witness_id=987_654, cosigned_at="x", signature="x", received_at=timezone.now()
            )
    assert AuditEntry.objects.count() == 1


def test_a_commit_whose_follow_up_never_ran_does_not_shift_the_next_transactions_seqs(committed_db):
    def another_callback_fails() -> None:
        raise RuntimeError("an on-commit callback registered before the audit's failed")

    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(another_callback_fails)
        first = append("first")
    assert first.seq is None, "its follow-up after the commit never ran"
    with transaction.atomic():
        second = append("second")
    assert second.seq == 2 and AuditEntry.objects.get(seq=2).entry_hash == second.entry_hash


def test_autocommit_appends_are_chained_at_once(committed_db):
    entry = append("autocommit")
    assert entry.seq == 1 and AuditEntry.objects.get().entry_hash == entry.entry_hash
    assert audit_locks_held_here() == 0


@pytest.mark.django_db
def test_every_index_on_the_audit_table_is_one_a_query_needs() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_entry' ORDER BY indexname")
        indexes = dict(cursor.fetchall())
    assert not [name for name, definition in indexes.items() if "pattern_ops" in definition]
    columns = [definition.split(" USING btree ", 1)[1] for definition in indexes.values()]
    assert len(columns) == len(set(columns)), indexes  # no column set indexed twice
    assert set(indexes) == {
        "audit_entry_pkey",
        "audit_entry_hash_unique",
        "audit_target_idx",
        "audit_action_idx",
        "audit_created_idx",
        "audit_actor_idx",
    }
