"""Re-create the append function: it now checks deferred foreign keys before taking the audit lock."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from audit.append_sql import install_append_function


def forwards(apps: Any, schema_editor: Any) -> None:
    install_append_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_action_without_choices")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
