"""The production profile passes Django's deployment checks; the embedded defaults knowingly do not.

Each case starts `manage.py check --deploy` in a fresh interpreter, because the settings are read
once, from the environment, at start-up.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE_VARIABLES = (
    "PRODUCTION",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "LOG_FORMAT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **variables)


def manage(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in PROFILE_VARIABLES}
    env.update(DATA_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_documented_production_profile_passes_check_deploy_with_no_warnings(tmp_path):
    # As deploy/OPERATIONS.md documents it: the switch, a real secret, the public host names, and the
    # keys made once with `manage.py keys init`.
    profile = {"PRODUCTION": "true", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "platform.example"}
    made = manage(tmp_path, "keys", "init", **profile)
    assert made.returncode == 0, made.stderr
    result = check_deploy(tmp_path, **profile)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_defaults_are_flagged_by_check_deploy(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 1
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr, code


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = check_deploy(tmp_path, PRODUCTION="true", ALLOWED_HOSTS="platform.example")
    assert result.returncode != 0
    assert "PRODUCTION requires SECRET_KEY" in result.stderr
    assert not (tmp_path / "dev-secret-key").exists(), "no development secret is made in production"


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = check_deploy(tmp_path, PRODUCTION="true", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "PRODUCTION requires ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = check_deploy(
        tmp_path, PRODUCTION="true", DEBUG="true", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="x.example"
    )
    assert result.returncode != 0
    assert "DEBUG must be false" in result.stderr
