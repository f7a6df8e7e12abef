"""The scratch database every benchmark runs on: a fresh database beside the configured one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections


@contextmanager
def scratch_database(label: str = "bench") -> Iterator[str]:
    """Create a fresh database named after `label` beside the configured one (a file under DATA_DIR on
    SQLite, `<name>_<label>` on PostgreSQL), point the default connection at it, and drop it after."""
    test_settings = connection.settings_dict.setdefault("TEST", {})
    old_name, old_test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(settings.DATA_DIR / f"{label}.sqlite3")
    else:
        test_settings["NAME"] = f"{old_name}_{label.replace('-', '')}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test_settings["NAME"] = old_test_name
