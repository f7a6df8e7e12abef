"""On PostgreSQL the commit that chains an entry skips the WAL flush (so the audit lock is never held through an
fsync) and the caller gets control back only after a flush, once per committed transaction.

Personas: the platform itself, appending inside service-style transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.actions import AuditAction
from audit.append_sql import AFTER_COMMIT_SQL, CHAIN_TRIGGER
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record

pytestmark = pytest.mark.postgres


class Statements:
    """Every statement the connection has sent so far, in order (the query log also lists what a
    COMMIT carries in its round trip)."""

    def __init__(self, log: CaptureQueriesContext) -> None:
        self.log = log

    def count(self, sql: str) -> int:
        return self.sent().count(sql)

    def sent(self) -> list[str]:
        return [query["sql"] for query in self.log.captured_queries]

    def __contains__(self, sql: object) -> bool:
        return sql in self.sent()


@contextmanager
def statements() -> Iterator[Statements]:
    with CaptureQueriesContext(connection) as log:
        yield Statements(log)


def append(i: int) -> None:
    audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("durable", str(i)))


def test_a_committed_transaction_waits_for_one_flush_after_its_commit(committed_db):
    with statements() as seen:
        with transaction.atomic():
            append(1)
            append(2)
            assert AFTER_COMMIT_SQL not in seen  # never inside the transaction, so never under the lock
        assert seen.count(AFTER_COMMIT_SQL) == 1
        assert seen.sent()[-2:] == ["COMMIT", AFTER_COMMIT_SQL], "right after the COMMIT, outside the transaction"
    assert AuditEntry.objects.count() == 2 and audit_chain_verify().ok


def test_an_append_in_autocommit_mode_waits_for_its_flush_at_once(committed_db):
    with statements() as seen:
        append(1)
    assert seen.count(AFTER_COMMIT_SQL) == 1


def test_a_rolled_back_transaction_waits_for_nothing_and_leaves_no_entry(committed_db):
    with statements() as seen, pytest.raises(RuntimeError), transaction.atomic():
        append(1)
        raise RuntimeError("the business write failed after auditing")
    assert AFTER_COMMIT_SQL not in seen
    assert AuditEntry.objects.count() == 0


def test_the_chaining_commit_skips_its_flush_and_the_session_keeps_its_setting(committed_db):
    with transaction.atomic(), connection.cursor() as cursor:
        append(1)
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on", "staging alone changes nothing"
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} IMMEDIATE")  # what COMMIT would run
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
