"""Statements executed inside `pipelined()` travel together and are read after the block: each keeps its
own results on its own cursor, and the first failure raises (as Django's error) when the block ends,
with nothing after it run. On SQLite the block changes nothing.

Persona: the platform's hot path (the licence gate), which sends a lock and a read together.
"""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction

from config.prepared import pipelined, prepared_cursor

pytestmark = pytest.mark.usefixtures("committed_db")  # real transactions, the audit table purged after


def test_each_statement_keeps_its_own_rows_on_its_own_cursor() -> None:
    with prepared_cursor(slot="first") as first, prepared_cursor(slot="second") as second:
        with pipelined():
            first.execute("SELECT %s + 1", [1])
            second.execute("SELECT %s + 1", [41])
        assert (first.fetchone()[0], second.fetchone()[0]) == (2, 42)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelines are PostgreSQL's")
def test_the_first_failure_raises_at_the_end_of_the_block_and_nothing_after_it_runs() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE pipelined_marks (n int)")
    with (
        pytest.raises(DataError),
        transaction.atomic(),
        prepared_cursor(slot="first") as first,
        prepared_cursor(slot="second") as second,
    ):
        with pipelined():
            first.execute("SELECT 1 / %s", [0])
            second.execute("INSERT INTO pipelined_marks VALUES (%s)", [1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pipelined_marks")
        assert cursor.fetchone()[0] == 0
