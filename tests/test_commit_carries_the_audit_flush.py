"""On PostgreSQL a transaction that audited something sends its COMMIT and the audit trail's wait for the
WAL flush in one round trip (config.postgresql), and nothing about the commit's outcome changes: a
failed COMMIT fails as before, and a carried statement that fails never makes a commit look failed.

Personas: the platform, appending inside service-style transactions; a careless integration that
carries a statement which cannot succeed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from audit.actions import AuditAction
from audit.append_sql import AFTER_COMMIT_SQL
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record
from config.prepared import carry_with_commit, rows_carried_by_commit
from licensing.models import WorkFile

pytestmark = pytest.mark.postgres

FAILS = "SELECT 1 / 0"


@contextmanager
def sent_through_cursors() -> Iterator[list[str]]:
    """The statements that went through a cursor of their own (a round trip each); not what a COMMIT carried."""
    seen: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def append(i: int) -> AuditEntry:
    return audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("carried", str(i)))


def test_the_platform_s_flush_rides_with_the_commit_and_still_fills_in_the_entries(committed_db):
    with sent_through_cursors() as seen:
        with transaction.atomic():
            first, second = append(1), append(2)
        assert AFTER_COMMIT_SQL not in seen, "no round trip of its own after the COMMIT"
    assert (first.seq, second.seq) == (1, 2), "filled in from the rows the COMMIT carried back"
    stored = AuditEntry.objects.get(seq=2)
    assert (second.prev_hash, second.entry_hash) == (stored.prev_hash, stored.entry_hash)
    assert audit_chain_verify().ok


def test_a_carried_statement_that_fails_leaves_the_commit_standing_and_the_audit_waits_by_itself(committed_db):
    with sent_through_cursors() as seen:
        with transaction.atomic():
            carry_with_commit(FAILS)  # carried first: the audit's statement after it is not even run
            entry = append(1)
        assert AFTER_COMMIT_SQL in seen, "the audit trail ran its own wait once the carried one was lost"
    assert rows_carried_by_commit(FAILS) is None
    assert entry.seq == 1 and AuditEntry.objects.count() == 1, "the transaction committed all the same"
    assert audit_chain_verify().ok


def test_a_commit_that_fails_still_fails_and_carries_nothing(committed_db):
    with pytest.raises(IntegrityError), transaction.atomic():
        carry_with_commit("SELECT 1")
        # A file of a work that does not exist: the foreign key is checked at COMMIT (deferred).
        WorkFile.objects.create(
            work_id=uuid.uuid4(), sha256="0" * 64, media_type="video", created_at="2026-11-30T12:00:00Z"
        )
    assert rows_carried_by_commit("SELECT 1") is None
    assert not WorkFile.objects.exists()
    with transaction.atomic():
        append(1)
    assert AuditEntry.objects.count() == 1, "the connection goes on committing"


def test_a_rolled_back_transaction_forgets_what_its_commit_was_to_carry(committed_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        carry_with_commit("SELECT 42")
        raise RuntimeError("the business write failed")
    with transaction.atomic():
        append(1)
    assert rows_carried_by_commit("SELECT 42") is None, "the next commit carried only its own statement"


def test_the_carried_statement_is_prepared_once_per_connection(committed_db):
    for i in range(3):
        with transaction.atomic():
            append(i)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), sum(generic_plans + custom_plans) FROM pg_prepared_statements WHERE statement = %s",
            [AFTER_COMMIT_SQL],
        )
        statements, executions = cursor.fetchone()
    assert (statements, executions) == (1, 3), "parsed once, then executed from the prepared statement"
