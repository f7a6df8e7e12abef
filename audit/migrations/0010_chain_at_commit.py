"""Chain audit entries while the appending transaction commits, not in a statement of the caller's.

Installs, on PostgreSQL, the unlogged staging table `audit_entry_pending`, its deferred chain trigger
and the staging and after-commit functions, and drops the in-statement append function they replace
(see audit/append_sql.py). Going back re-installs nothing: migration 0009 and those before it
install the current design, which is what a database at that step runs with this code.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from audit.append_sql import install_append_function


def forwards(apps: Any, schema_editor: Any) -> None:
    install_append_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_fewer_indexes_under_the_append_lock")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
