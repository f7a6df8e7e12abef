"""Data keys move out of the database into the key store (likeness/keystore.py).

Each wrapped key still in `wrapped_key` is unwrapped with the KEK and stored in the configured key
store; the row keeps only the reference, then the column is dropped. On PostgreSQL the table is
then rewritten (VACUUM FULL), so no dead tuple of it still holds a wrapped key. Database backups
taken BEFORE this migration still hold wrapped keys under the KEK: they stay as readable as they
were until they expire (deploy/OPERATIONS.md, Backups). Not atomic (VACUUM cannot run in a
transaction); moving a key is idempotent, so a migration interrupted half way can be re-run.
"""

from typing import Any

from django.db import migrations, models


def move_keys_to_the_store(apps: Any, schema_editor: Any) -> None:
    from likeness import crypto
    from likeness.keystore import key_store

    LikenessKey = apps.get_model("likeness", "LikenessKey")
    store = key_store()
    for row in LikenessKey.objects.using(schema_editor.connection.alias).filter(wrapped_key__isnull=False):
        likeness_id = str(row.likeness_id)
        data_key = crypto.unwrap_data_key(bytes(row.wrapped_key), likeness_id=likeness_id)
        row.key_ref = store.import_key(likeness_id, data_key)
        row.wrapped_key = None
        row.save(update_fields=["key_ref", "wrapped_key"])


def rewrite_the_table(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("VACUUM FULL likeness_likenesskey")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("likeness", "0002_biometrics"),
    ]

    operations = [
        migrations.AddField(
            model_name="likenesskey",
            name="key_ref",
            field=models.TextField(
                blank=True, default="", editable=False, help_text="Key store reference; empty once destroyed."
            ),
        ),
        migrations.AlterField(
            model_name="likenesskey",
            name="kek_id",
            field=models.CharField(help_text="Which key-encryption key wrapped it (file store).", max_length=32),
        ),
        migrations.RunPython(move_keys_to_the_store, migrations.RunPython.noop),
        migrations.RemoveField(model_name="likenesskey", name="wrapped_key"),
        migrations.RunPython(rewrite_the_table, migrations.RunPython.noop),
    ]
