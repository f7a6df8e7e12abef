"""Fixtures of the fault suite: the private PostgreSQL cluster (started by scripts/test-faults.sh),
a private Redis per test, and the stage (web, worker, beat) each test breaks something under."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.services import PrivatePostgres, PrivateRedis, free_port
from tests.faults.stage import private_postgres

pytestmark = pytest.mark.faults


@pytest.fixture
def postgres_cluster(committed_db: None) -> PrivatePostgres:
    return private_postgres()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
