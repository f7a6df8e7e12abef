"""The product runs without the tooling: a tree holding only the installed packages (pyproject's list)
and manage.py, as the image does, passes Django's checks and has neither the `bench` nor the `demo`
command, while this checkout (tools/ present) has both.

Personas: an operator running the image's `manage.py`; a developer running it from a checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LIST_COMMANDS = "from django.core.management import get_commands; print(sorted(get_commands()))"


def installed_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.rstrip("*") for pattern in patterns]


def run_django(cwd: Path, code: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "S3_BUCKET"}}
    env.update(DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH="")
    script = f"import django; django.setup(); {code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_installed_packages_run_without_tools_and_the_checkout_has_its_commands(tmp_path: Path) -> None:
    image = tmp_path / "app"
    image.mkdir()
    packages = installed_packages()
    assert "tools" not in packages and "tests" not in packages
    for package in packages:
        shutil.copytree(ROOT / package, image / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", image / "manage.py")

    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=image,
        env={**os.environ, "DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]

    in_image = run_django(image, LIST_COMMANDS, tmp_path / "data")
    assert in_image.returncode == 0, in_image.stderr[-2000:]
    assert "'bench'" not in in_image.stdout and "'demo'" not in in_image.stdout
    assert "'render_reap'" in in_image.stdout  # the product's own commands are there

    in_checkout = run_django(ROOT, LIST_COMMANDS, tmp_path / "data")
    assert in_checkout.returncode == 0, in_checkout.stderr[-2000:]
    assert "'bench'" in in_checkout.stdout and "'demo'" in in_checkout.stdout
