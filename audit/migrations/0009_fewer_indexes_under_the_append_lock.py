"""Two indexes fewer on the audit table, both written under the append lock for nothing: the actor
foreign key's own index (audit_actor_idx already covers the column) and, on PostgreSQL, the
varchar_pattern_ops copy of the entry_hash unique index (no LIKE query runs on hashes). entry_hash
stays unique, through a named constraint. The append function is re-created (audit/append_sql.py:
OUT parameters instead of a set-returning RETURN QUERY), and on SQLite, where altering a field
rebuilds the table and drops its triggers, the append-only guard is put back.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from audit.append_sql import install_append_function
from audit.triggers import install_guard


def forwards(apps: Any, schema_editor: Any) -> None:
    install_guard(schema_editor.connection)
    install_append_function(schema_editor.connection)


def guard_after_going_back(apps: Any, schema_editor: Any) -> None:
    install_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0008_append_commits_without_waiting_under_the_lock"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Runs last when migrating back, after the field changes have rebuilt the table on SQLite.
        migrations.RunPython(migrations.RunPython.noop, guard_after_going_back),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(model_name="auditentry", name="entry_hash", field=models.CharField(max_length=64)),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("entry_hash",), name="audit_entry_hash_unique"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
