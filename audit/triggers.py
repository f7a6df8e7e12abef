"""Database triggers that make the audit table append-only, on PostgreSQL and SQLite.

They stop the application (and anyone using the application's connection casually) from editing
or deleting the trail. They do not stop an attacker with owner rights, who can drop them: the hash
chain and the signed checkpoints kept outside the database are what detect that.

A migration that rebuilds the table (SQLite rebuilds on many ALTERs) drops the triggers with it and
must call `install_guard` again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_entry"

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse_change();""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse_change();""",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
]
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: DELETE refused'); END;""",
]
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_DROP
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_DROP
    raise NotImplementedError(f"no append-only guard for database vendor {connection.vendor!r}")


def install_guard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def drop_guard(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers. Only for tests that play an attacker and for data purges in tests."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


def guard_installed(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
            return bool(cursor.fetchone()[0] == 2)
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        return bool(cursor.fetchone()[0] == 2)
