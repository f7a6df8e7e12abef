"""Re-create the append function: its transaction commits without waiting for the WAL flush, so the
audit lock is not held through an fsync, and it reports its lock wait (see audit/append_sql.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from audit.append_sql import install_append_function


def forwards(apps: Any, schema_editor: Any) -> None:
    install_append_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_witnesses")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
