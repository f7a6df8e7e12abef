"""Server-side prepared statements for the few fixed statements on a hot path (the licence gate's).

On PostgreSQL a statement prepared once per connection is executed from then on without being parsed
or planned again: for the gate's read (six small joins and an aggregate) planning took four times as
long as executing, 0.2 ms of a 0.38 ms round trip. psycopg keeps the per-connection statement cache
(and forgets it when the session is reset); we only ask it to prepare.

The ORM's cursors bind parameters on the client and are never prepared, so nothing else on the
connection changes. Elsewhere (SQLite) this is a plain cursor.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

# Django turns psycopg's automatic preparing off (None); a threshold that is never reached keeps it
# off for every statement that does not ask, while letting `prepare=True` work.
_ONLY_WHEN_ASKED = 1 << 30
_cursor_class: Any = None


def _prepared_cursor_class() -> Any:
    global _cursor_class  # noqa: PLW0603 - built once, on first use, so SQLite never imports psycopg
    if _cursor_class is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        base: Any = ServerBindingCursor  # psycopg's Cursor with Django's additions, server-side binding

        class PreparedCursor(base):  # type: ignore[misc]
            def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any) -> Any:
                return super().execute(query, params, prepare=True, **kwargs)

            def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
                # psycopg remembers the query it sent only when it was not prepared; Django's query
                # log (connection.queries, CaptureQueriesContext) reads it back from there.
                self._query = pgq
                super()._send_query_prepared(name, pgq, **kwargs)

        _cursor_class = PreparedCursor
    return _cursor_class


class _ReusedPreparedCursor:
    """One prepared cursor kept per database connection for the hot path, used without Django's
    CursorWrapper (a new wrapped cursor per statement cost the gate's check 12% of its time). It keeps
    what the wrapper guarantees that matters here: a broken transaction refuses the statement, and
    driver errors become Django's. It is only used while nothing watches the connection's queries."""

    def __init__(self, connection: BaseDatabaseWrapper, raw: Any) -> None:
        self.connection, self.raw, self.cursor = connection, raw, _prepared_cursor_class()(raw)

    def __enter__(self) -> _ReusedPreparedCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None  # kept open for the connection's next statement

    def execute(self, sql: str, params: Any = None) -> Any:
        self.connection.validate_no_broken_transaction()
        with self.connection.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def fetchone(self) -> Any:
        with self.connection.wrap_database_errors:
            return self.cursor.fetchone()


def prepared_cursor(connection: BaseDatabaseWrapper = default_connection) -> Any:
    """A cursor whose statements are prepared on the server the first time this connection runs them.

    Only for fixed SQL text with parameters of fixed types: the statement cache is keyed by both.
    While queries are logged (DEBUG, `CaptureQueriesContext`) or an execute wrapper is installed, it is
    Django's wrapped cursor as usual, so every statement is seen; otherwise one cursor per connection
    is reused. Use it as `with prepared_cursor() as cursor:` then `execute` and `fetchone`."""
    if connection is default_connection:  # the thread's wrapper itself: the proxy looks it up on every attribute
        connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    if not connection.queries_logged and not connection.execute_wrappers:
        reused: _ReusedPreparedCursor | None = getattr(connection, "_reused_prepared_cursor", None)
        if reused is None or reused.raw is not raw or reused.cursor.closed:
            reused = _ReusedPreparedCursor(connection, raw)
            connection._reused_prepared_cursor = reused  # type: ignore[attr-defined]
        return reused
    with connection.wrap_database_errors:
        cursor: CursorWrapper = connection._prepare_cursor(_prepared_cursor_class()(raw))  # type: ignore[attr-defined]
    return cursor
