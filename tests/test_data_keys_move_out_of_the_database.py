"""Migration 0003: the wrapped data keys that earlier versions kept in the database move to the key store."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from likeness import crypto
from likeness.keystore import load_data_key
from likeness.models import LikenessKey
from tests.factories import make_actor

BEFORE = [("likeness", "0002_biometrics")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_existing_wrapped_keys_move_to_the_key_store_and_leave_the_table(committed_db, isolated_key_store, clock):
    actor = make_actor()
    likeness_id = str(actor.likeness.pk)
    executor = migrate(BEFORE)
    latest = executor.loader.graph.leaf_nodes()  # every app: going back unapplied the apps that build on likeness too
    try:
        OldKey = executor.loader.project_state(BEFORE).apps.get_model("likeness", "LikenessKey")
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap_data_key(data_key, likeness_id=likeness_id)
        OldKey.objects.create(likeness_id=actor.likeness.pk, wrapped_key=wrapped, kek_id="k", created_at=clock.now())
    finally:
        migrate(latest)

    row = LikenessKey.objects.get(likeness=actor.likeness)
    assert row.key_ref == f"file:{likeness_id}"
    assert load_data_key(row.key_ref, likeness_id) == data_key
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "likeness_likenesskey")]
    assert "wrapped_key" not in columns
    if connection.vendor == "postgresql":  # the table was rewritten: not even a dead tuple keeps the wrapped key
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
            cursor.execute("SELECT pg_relation_size('likeness_likenesskey') / current_setting('block_size')::int")
            (blocks,) = cursor.fetchone()
            pages = b""
            for block in range(blocks):
                cursor.execute("SELECT get_raw_page('likeness_likenesskey', %s)", [block])
                pages += bytes(cursor.fetchone()[0])
        assert pages and wrapped not in pages
