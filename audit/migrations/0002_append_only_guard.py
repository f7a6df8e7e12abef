"""Install the triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the audit table."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from audit.triggers import drop_guard, install_guard


def forwards(apps: Any, schema_editor: Any) -> None:
    install_guard(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    drop_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
