from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from audit.triggers import drop_guard, install_guard
from config import clock

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure, never a skip."""
    if service_reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL leg (DATABASE_URL set)"))
        if "sqlite" in item.keywords and vendor != "sqlite":
            item.add_marker(pytest.mark.skip(reason="runs in the SQLite leg (DATABASE_URL unset)"))


@pytest.fixture
def committed_db(transactional_db: None) -> Iterator[None]:
    """A database whose writes really commit, for tests with several connections.

    The audit table refuses DELETE and TRUNCATE, so the flush that ends a transactional test has to
    get past the guard: on SQLite the audit rows are purged with the triggers briefly dropped; on
    PostgreSQL the session switches to replica mode (which fires no ordinary triggers) for the
    flush, and Django closes that connection right after.
    """
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    else:
        drop_guard(connection)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_entry")
        install_guard(connection)


@pytest.fixture(autouse=True)
def isolated_media(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own media storage, so files (checkpoints, uploads) never leak between tests."""
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


class MovableClock:
    """The `clock` fixture: frozen at the real current time, moved explicitly by the test."""

    def __init__(self) -> None:
        from django.utils import timezone

        clock.freeze(timezone.now())

    def now(self) -> datetime:
        return clock.now()

    def set(self, moment: datetime) -> None:
        clock.freeze(moment)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        return clock.advance(delta if delta is not None else timedelta(**kwargs))


@pytest.fixture(name="clock")
def clock_fixture() -> Iterator[MovableClock]:
    yield MovableClock()
    clock.freeze(None)
