"""The database itself refuses UPDATE, DELETE and TRUNCATE of audit entries (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.triggers import guard_installed
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def test_the_guard_is_installed_by_migrations():
    assert guard_installed(connection)


def test_an_update_is_refused_by_the_database():
    make_actor()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(actor_label="forged")
    assert AuditEntry.objects.get(seq=1).actor_label != "forged"


def test_a_delete_is_refused_by_the_database():
    make_actor()
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1)._raw_delete(using="default")
    assert AuditEntry.objects.count() == count


def test_raw_sql_is_refused_too():
    make_actor()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET data = '{}' WHERE seq = 2")


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql():
    make_actor()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_entry")
    assert AuditEntry.objects.exists()
