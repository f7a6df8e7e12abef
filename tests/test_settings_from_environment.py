"""Settings come from environment variables and a malformed value stops start-up loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.env import env_bool, env_choice, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def start_django(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "S3_BUCKET"}}
    clean.update({"DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER, "
            "settings.STORAGES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_variables_means_the_embedded_defaults(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "False",
        "True",
        "django.core.files.storage.FileSystemStorage",
    ]
    secret = (tmp_path / "dev-secret-key").read_text()
    assert len(secret) >= 50
    assert oct((tmp_path / "dev-secret-key").stat().st_mode & 0o777) == "0o600"
    assert start_django(tmp_path).returncode == 0
    assert (tmp_path / "dev-secret-key").read_text() == secret, "the dev secret persists across starts"


def test_production_variables_select_postgres_a_broker_and_s3(tmp_path):
    result = start_django(
        tmp_path,
        DATABASE_URL="postgres://app@db.internal:5432/platform",
        CELERY_BROKER_URL="redis://broker:6379/0",
        S3_BUCKET="outputs",
        SECRET_KEY="s" * 60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "config.postgresql",
        "False",
        "False",
        "config.s3.S3Storage",
    ]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "mysql://root@localhost/db", "scheme 'mysql' is not supported"),
        ("DATABASE_URL", "postgres://localhost:5432/", "names no database"),
        ("S3_URL_EXPIRY_SECONDS", "soon", "S3_URL_EXPIRY_SECONDS='soon' is not an integer"),
        ("SECRET_KEY", "short", "at least 50 characters"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not one of"),
    ],
)
def test_a_malformed_variable_stops_start_up(tmp_path, name, value, message):
    env = {name: value}
    if name == "S3_URL_EXPIRY_SECONDS":
        env["S3_BUCKET"] = "outputs"
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_readers_parse_and_refuse():
    assert env_bool("X", False, environ={"X": "yes"}) is True
    assert env_bool("X", True, environ={"X": ""}) is True
    assert env_int("X", 1, environ={"X": "42"}) == 42
    assert env_list("X", [], environ={"X": "a, b"}) == ["a", "b"]
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("X", 1, minimum=5, environ={"X": "2"})
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("X", [], environ={"X": "a,,b"})
    with pytest.raises(ImproperlyConfigured):
        env_choice("X", "a", {"a", "b"}, environ={"X": "c"})


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
