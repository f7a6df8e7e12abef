"""`audit_verify` recomputes the chain and names the first bad entry.

The attacker here has database access: they drop the append-only triggers and edit rows directly.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.triggers import drop_guard
from tests.factories import make_actor, make_studio

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    make_actor("actor")
    make_studio("studio")
    make_actor("second")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_entry")
        count = cursor.fetchone()[0]
    assert count >= 9
    drop_guard(connection)  # rolled back with the test transaction
    return count


def run_verify() -> dict:
    out = io.StringIO()
    try:
        call_command("audit_verify", "--json", stdout=out)
    except CommandError as exc:
        report = json.loads(out.getvalue())
        assert f"#{report['first_bad_seq']}" in str(exc)
        return report
    return json.loads(out.getvalue())


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_an_intact_chain_passes(trail):
    report = run_verify()
    assert report["ok"] is True and report["entries_checked"] == trail


def test_an_edited_entry_is_named(trail):
    sql("UPDATE audit_entry SET actor_label = %s WHERE seq = 5", ["mallory"])
    report = run_verify()
    assert report["ok"] is False
    assert (report["first_bad_seq"], report["problem"]) == (5, "hash_mismatch")
    assert report["entries_checked"] == 4


def test_an_edited_data_field_is_named(trail):
    sql("UPDATE audit_entry SET data = %s WHERE seq = 3", ['{"display_name": "Someone Else"}'])
    assert run_verify()["first_bad_seq"] == 3


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(trail):
    from audit.chain import chain_hash
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(seq=4)
    entry.actor_label = "mallory"
    forged_hash = chain_hash(entry.prev_hash, entry.as_record().canonical())
    sql("UPDATE audit_entry SET actor_label = 'mallory', entry_hash = %s WHERE seq = 4", [forged_hash])
    report = run_verify()
    assert (report["first_bad_seq"], report["problem"]) == (5, "broken_link")


def test_a_deleted_entry_is_named(trail):
    sql("DELETE FROM audit_entry WHERE seq = 6")
    report = run_verify()
    assert (report["first_bad_seq"], report["problem"]) == (6, "missing_entries")


def test_swapped_entries_are_named(trail):
    # Swap the contents of entries 3 and 4 while each keeps its position number.
    columns = "created_at, actor_id, actor_label, action, target_type, target_id, data, prev_hash, entry_hash"
    sql(f"CREATE TEMP TABLE swap AS SELECT seq, {columns} FROM audit_entry WHERE seq IN (3, 4)")
    sql("UPDATE audit_entry SET entry_hash = 'x' || seq WHERE seq IN (3, 4)")  # free the unique hashes
    for target, source in ((3, 4), (4, 3)):
        sets = ", ".join(
            f"{c.strip()} = (SELECT {c.strip()} FROM swap WHERE seq = {source})" for c in columns.split(",")
        )
        sql(f"UPDATE audit_entry SET {sets} WHERE seq = {target}")
    sql("DROP TABLE swap")
    report = run_verify()
    assert (report["first_bad_seq"], report["problem"]) == (3, "broken_link")


def test_renumbered_entries_are_named(trail):
    # Reorder by renumbering: 7 becomes 8 and 8 becomes 7.
    sql("UPDATE audit_entry SET seq = -1 WHERE seq = 7")
    sql("UPDATE audit_entry SET seq = 7 WHERE seq = 8")
    sql("UPDATE audit_entry SET seq = 8 WHERE seq = -1")
    report = run_verify()
    assert report["ok"] is False and report["first_bad_seq"] == 7


def test_the_command_exits_non_zero_with_a_readable_message(trail):
    sql("UPDATE audit_entry SET action = 'token.revoked' WHERE seq = 2")
    with pytest.raises(CommandError, match=r"audit chain broken at entry #2: hash_mismatch"):
        call_command("audit_verify", stdout=io.StringIO())


def test_the_auditor_api_reports_the_same_break(trail):
    from tests.factories import make_auditor

    auditor = make_auditor()
    sql("UPDATE audit_entry SET target_id = 'elsewhere' WHERE seq = 8")
    body = auditor.client().get("/api/v1/audit/verify/").json()
    assert (body["ok"], body["first_bad_seq"], body["problem"]) == (False, 8, "hash_mismatch")
