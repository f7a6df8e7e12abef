"""The gate's prepared statements run on one reused cursor per connection (PostgreSQL), without losing
what Django's cursor gives: a broken transaction refuses the statement, a new connection gets a new
cursor, and whenever queries are watched (CaptureQueriesContext, DEBUG) every statement is seen."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from config.prepared import prepared_cursor

pytestmark = [
    pytest.mark.usefixtures("committed_db"),  # real transactions, the audit table purged after
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]


def select_one() -> int:
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1", [41])
        row = cursor.fetchone()
    return int(row[0])


def test_one_cursor_serves_every_statement_of_a_connection_and_a_new_connection_gets_its_own() -> None:
    assert select_one() == 42
    first = prepared_cursor()
    assert select_one() == 42 and prepared_cursor() is first, "reused, not made per statement"
    connection.close()
    assert select_one() == 42, "the next statement reconnects"
    assert prepared_cursor() is not first


def test_a_broken_transaction_refuses_the_statement() -> None:
    with transaction.atomic():
        select_one()
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            select_one()


def test_watched_queries_see_every_prepared_statement() -> None:
    select_one()
    with CaptureQueriesContext(connection) as watched:
        select_one()
        select_one()
    assert len(watched) == 2 and all("::int + 1" in q["sql"] for q in watched.captured_queries)
