"""A reserving render gate locks the licence row and only then reads what it decides on, so whatever
committed while it waited for the lock is seen: the lock and the read travel in one round trip
(a pipeline), but stay two statements, each with its own snapshot.

Personas: Ada licensed her likeness to a studio; an admin freezes the likeness for review in a
transaction that also holds the licence row; the studio's render worker asks the gate meanwhile.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from licensing.gate import Authorization
from licensing.models import License
from licensing.refusals import RefusalReason
from likeness.models import Likeness, LikenessStatus
from tests.factories import make_licensed_story, reserve_a_render

pytestmark = pytest.mark.postgres


def waiting_for_a_lock(admin: psycopg.Connection) -> int:
    row = admin.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
    return int(row[0]) if row else 0


def test_a_freeze_committed_while_the_gate_waited_for_the_licence_is_seen(committed_db):
    story = make_licensed_story(max_renders=3)
    admin = psycopg.connect(**connection.get_connection_params())
    admin.execute(f"SELECT 1 FROM {License._meta.db_table} WHERE id = %s FOR UPDATE", [story.license.pk])
    admin.execute(
        f"UPDATE {Likeness._meta.db_table} SET status = %s WHERE id = %s",
        [LikenessStatus.FROZEN.value, story.actor.likeness.pk],
    )
    decisions: list[Authorization] = []

    def render_worker() -> None:
        try:
            decisions.append(reserve_a_render(story))
        finally:
            connections.close_all()

    worker = threading.Thread(target=render_worker)
    worker.start()
    watcher = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    deadline = time.monotonic() + 30
    while not waiting_for_a_lock(watcher) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert waiting_for_a_lock(watcher), "the gate waits for the licence row the admin holds"
    admin.commit()
    worker.join(timeout=30)
    admin.close()
    watcher.close()

    assert [d.reason for d in decisions] == [RefusalReason.LIKENESS_FROZEN]
    assert License.objects.get(pk=story.license.pk).renders_used == 0, "a refused render takes no use"


def test_a_licence_that_does_not_exist_is_refused_as_not_found_and_the_gate_s_transaction_ends(committed_db):
    story = make_licensed_story(max_renders=3)
    story.license.pk = "00000000-0000-4000-8000-000000000000"  # the lock finds no row to hold
    assert reserve_a_render(story).reason == RefusalReason.LICENSE_NOT_FOUND
    assert not connection.in_atomic_block
