"""Django's PostgreSQL backend with one addition: a COMMIT that carries statements in its round trip.

A service that must run a statement right after its transaction commits (the audit trail waits there
for the WAL flush its chaining commit skipped) asks the commit to carry it (`config.prepared.
carry_with_commit`). The COMMIT and the carried statements then travel in one pipeline, one round trip
instead of two, and their rows wait for the service's on_commit callback
(`config.prepared.rows_carried_by_commit`).

A carried statement that fails after a COMMIT that succeeded must not make the commit look failed:
Django would report a committed transaction as rolled back. So its error is logged and its rows are
simply missing; the callback then runs the statement itself, and a failure surfaces there, after the
commit, as it did before statements were carried.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db.backends.postgresql import base

from config.prepared import ONLY_WHEN_ASKED, prepared_cursor_class

logger = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carried_by_commit: list[str] = []
        self.rows_carried_by_commit: dict[str, list[tuple[Any, ...]]] = {}

    def _commit(self) -> None:
        carried, self.carried_by_commit = self.carried_by_commit, []
        self.rows_carried_by_commit = {}  # what the last COMMIT carried, and only that
        if not carried or self.connection is None:
            super()._commit()  # type: ignore[misc]  # django-stubs omit the backends' private hooks
            return
        from psycopg import Error, Pipeline, pq

        if not Pipeline.is_supported():
            super()._commit()  # type: ignore[misc]
            return
        raw = self.connection
        if raw.prepare_threshold is None:  # Django turns preparing off; asking for it must still work
            raw.prepare_threshold = ONLY_WHEN_ASKED
        commit, reads = raw.cursor(), [prepared_cursor_class()(raw) for _ in carried]  # bound on the server
        started = time.monotonic()
        try:
            with self.wrap_database_errors:
                try:
                    with raw.pipeline():
                        commit.execute("COMMIT")
                        for cursor, sql in zip(reads, carried, strict=True):
                            cursor.execute(sql, prepare=True)  # fixed text: parsed and planned once
                except Error:
                    if not _succeeded(commit, pq.ExecStatus.COMMAND_OK):
                        raise  # the COMMIT itself failed: Django handles that as it always has
                    logger.warning("a statement carried by a successful COMMIT failed; its caller runs it again")
                self.rows_carried_by_commit = {
                    sql: cursor.fetchall()
                    for cursor, sql in zip(reads, carried, strict=True)
                    if _succeeded(cursor, pq.ExecStatus.TUPLES_OK)
                }
        finally:
            self._log_carried(["COMMIT", *carried], time.monotonic() - started)
            for cursor in (commit, *reads):
                cursor.close()

    def _log_carried(self, statements: list[str], duration: float) -> None:
        """Each statement in the query log (DEBUG, CaptureQueriesContext), in order, as if sent alone."""
        if self.queries_logged:
            for sql in statements:
                self.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})

    def _rollback(self) -> None:
        self.carried_by_commit = []
        super()._rollback()  # type: ignore[misc]


def _succeeded(cursor: Any, status: Any) -> bool:
    """Whether the pipeline got this cursor's statement a result of `status` (not an error, not aborted)."""
    return cursor.pgresult is not None and cursor.pgresult.status == status
