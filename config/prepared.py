"""Server-side prepared statements for the few fixed statements on a hot path (the licence gate's),
and pipelines that send several statements in one round trip.

On PostgreSQL a statement prepared once per connection is executed from then on without being parsed
or planned again: for the gate's read (six small joins and an aggregate) planning took four times as
long as executing, 0.2 ms of a 0.38 ms round trip. psycopg keeps the per-connection statement cache
(and forgets it when the session is reset); we only ask it to prepare.

The ORM's cursors bind parameters on the client and are never prepared, so nothing else on the
connection changes. Elsewhere (SQLite) this is a plain cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

# Django turns psycopg's automatic preparing off (None); a threshold that is never reached keeps it
# off for every statement that does not ask, while letting `prepare=True` work.
ONLY_WHEN_ASKED = 1 << 30
_cursor_class: Any = None


def prepared_cursor_class() -> Any:
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
        self.connection, self.raw, self.cursor = connection, raw, prepared_cursor_class()(raw)

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


def prepared_cursor(connection: BaseDatabaseWrapper = default_connection, *, slot: str = "default") -> Any:
    """A cursor whose statements are prepared on the server the first time this connection runs them.

    Only for fixed SQL text with parameters of fixed types: the statement cache is keyed by both.
    While queries are logged (DEBUG, `CaptureQueriesContext`) or an execute wrapper is installed, it is
    Django's wrapped cursor as usual, so every statement is seen; otherwise one cursor per connection
    is reused (one per `slot`: statements sent together in a pipeline each need a cursor of their own to
    hold their results). Use it as `with prepared_cursor() as cursor:` then `execute` and `fetchone`."""
    connection = _the_wrapper(connection)
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = ONLY_WHEN_ASKED
    if not connection.queries_logged and not connection.execute_wrappers:
        slots: dict[str, _ReusedPreparedCursor] | None = getattr(connection, "_reused_prepared_cursors", None)
        if slots is None:
            slots = connection._reused_prepared_cursors = {}  # type: ignore[attr-defined]
        reused = slots.get(slot)
        if reused is None or reused.raw is not raw or reused.cursor.closed:
            reused = slots[slot] = _ReusedPreparedCursor(connection, raw)
        return reused
    with connection.wrap_database_errors:
        cursor: CursorWrapper = connection._prepare_cursor(prepared_cursor_class()(raw))  # type: ignore[attr-defined]
    return cursor


def _the_wrapper(connection: BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    if connection is default_connection:  # the thread's wrapper itself: the proxy looks it up on every attribute
        return connections[DEFAULT_DB_ALIAS]
    return connection


@contextmanager
def pipelined(connection: BaseDatabaseWrapper = default_connection) -> Iterator[None]:
    """Send the statements executed inside the block together, in one round trip, when the block ends.

    The server still runs them one after the other, each (under READ COMMITTED) in a snapshot of its
    own taken when it starts, and in the caller's transaction (whose BEGIN, when due, travels with
    them). So a statement's results are there to fetch only after the block: execute inside, fetch
    after. A fetch inside the block works too, but costs the round trip it was meant to save. The
    first error raises when the block ends, and the statements after it are not run.

    Elsewhere (SQLite, or a libpq without pipelines) each statement runs as it is executed.
    """
    connection = _the_wrapper(connection)
    if connection.vendor != "postgresql":
        yield
        return
    from psycopg import Pipeline

    connection.ensure_connection()
    if not Pipeline.is_supported():
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def carry_with_commit(sql: str, connection: BaseDatabaseWrapper = default_connection) -> None:
    """Have the current transaction's COMMIT carry `sql` (fixed text, no parameters; prepared on the
    server the first time) in its round trip.

    For a statement that must run right after the commit, outside the transaction: its rows are then
    kept for `rows_carried_by_commit`, read by an on_commit callback. A rollback forgets the request.
    Without the project's PostgreSQL backend (SQLite) nothing is carried, and the callback finds no rows.
    """
    carried: list[str] | None = getattr(_the_wrapper(connection), "carried_by_commit", None)
    if carried is not None and sql not in carried:
        carried.append(sql)


def rows_carried_by_commit(sql: str, connection: BaseDatabaseWrapper = default_connection) -> list[Any] | None:
    """The rows `sql` returned when the last COMMIT carried it, once; None if it carried no such statement
    (or the statement failed after the commit): the caller then runs the statement itself."""
    kept: dict[str, list[Any]] | None = getattr(_the_wrapper(connection), "rows_carried_by_commit", None)
    return None if kept is None else kept.pop(sql, None)
