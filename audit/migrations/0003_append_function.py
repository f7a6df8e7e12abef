"""Install the server-side append function on PostgreSQL (see audit/append_sql.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from audit.append_sql import drop_append_function, install_append_function


def forwards(apps: Any, schema_editor: Any) -> None:
    install_append_function(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    drop_append_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_guard")]
    operations = [migrations.RunPython(forwards, backwards)]
