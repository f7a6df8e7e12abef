"""On PostgreSQL the audit lock is held from the append to the caller's COMMIT, so that window holds
nothing else: no statement between the append and COMMIT, and no index on the audit table that
no query needs (each one is written under the lock by every append).

Personas: the platform itself, appending inside a service-style transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from audit.actions import AuditAction
from audit.append_sql import FUNCTION
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record

pytestmark = pytest.mark.postgres


def test_nothing_is_sent_between_the_append_and_the_commit(committed_db: None, monkeypatch: Any) -> None:
    events: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        events.append("append" if FUNCTION in sql else sql)
        return execute(sql, params, many, context)

    connection.ensure_connection()
    real_commit = connection.connection.commit

    def commit() -> None:
        events.append("COMMIT")
        real_commit()

    monkeypatch.setattr(connection.connection, "commit", commit)
    with connection.execute_wrapper(record), transaction.atomic():
        AuditEntry.objects.exists()  # the service's own business reads and writes come first
        audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("service", "1"))
    assert events[events.index("append") + 1] == "COMMIT"
    assert audit_chain_verify().ok


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
