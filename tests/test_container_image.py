"""The image starts: what deploy/Dockerfile copies is enough to run the platform in production.

There is no container engine on the test machines, so the test does what the image build does
without one: it reads the Dockerfile's COPY instructions, copies exactly those paths from the
checkout into a scratch tree, and starts Django there under the production profile of
deploy/k8s/config.env: `keys init`, `check --deploy` and `migrate` must succeed. The interpreter
runs with `-S` and only the site-packages directories added back, so the checkout's editable install
(a .pth import hook) cannot supply a module the image would lack, and PYTHONPATH is not set.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import site
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import setuptools  # type: ignore[import-untyped]
from django.conf import settings

from tests.tiny_face_models import build_model_dir

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
# Start manage.py without `site` (whose .pth processing installs the editable import hook), then put
# this venv's site-packages back: third-party packages come from there, the platform from the tree.
BOOT = (
    f"import runpy, sys; sys.path[1:1] = {site.getsitepackages()!r}; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


@dataclass
class Stage:
    base: str
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # (sources, destination)
    user: str | None = None


def dockerfile_stages(text: str) -> list[Stage]:
    """FROM, COPY (from the build context, not --from another stage) and USER, per stage."""
    stages: list[Stage] = []
    for instruction in text.replace("\\\n", " ").splitlines():
        words = shlex.split(instruction, comments=True)
        if not words:
            continue
        keyword = words[0].upper()
        if keyword == "FROM":
            stages.append(Stage(base=words[1]))
        elif keyword == "COPY" and not any(w.startswith("--from=") for w in words):
            arguments = [w for w in words[1:] if not w.startswith("--")]
            stages[-1].copies.append((arguments[:-1], arguments[-1]))
        elif keyword == "USER":
            stages[-1].user = words[1]
    return stages


def assemble(stage: Stage, target: Path) -> Path:
    """Copy what the stage's COPY lines name, from the checkout, into `target` (its WORKDIR)."""
    target.mkdir(parents=True)
    for sources, destination in stage.copies:
        for source in sources:
            origin = ROOT / source
            place = target / destination
            if origin.is_dir():
                shutil.copytree(origin, place, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif destination.endswith("/"):
                place.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, place / origin.name)
            else:
                shutil.copy2(origin, place)
    return target


def manifest_environment(keys: Path, data: Path) -> dict[str, str]:
    """deploy/k8s/config.env, with the mount points (/keys, /data, /models) moved to scratch folders.

    The backing services (S3, broker, cache) are left out: Django's checks and migrate on SQLite need
    none of them, and the smoke test (test_production_smoke.py) runs the image's processes on them.
    """
    env = {}
    for line in (ROOT / "deploy" / "k8s" / "config.env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value.replace("/keys/", f"{keys}/").replace("/data", str(data))
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_PUBLIC_ENDPOINT_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    # The operator's models volume (/models): tiny models with insightface's real signatures, pinned.
    model_dir, pins = build_model_dir(data)
    env.update(FACE_MODEL_DIR=str(model_dir), FACE_MODEL_PINS_FILE=str(pins))
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    return env


def run_in(tree: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return subprocess.run(
        [sys.executable, "-S", "-c", BOOT, "manage.py", *args],
        cwd=tree,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_image_has_every_app_and_starts_in_production(tmp_path: Path):
    build, runtime = dockerfile_stages(DOCKERFILE.read_text())
    assert runtime.base == build.base == "python:3.11-slim"
    assert runtime.user is not None and not runtime.user.startswith(("0", "root")), "the service runs as non-root"

    # What `pip install .` in the build stage installs, and what the runtime stage holds.
    build_tree = assemble(build, tmp_path / "src")
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    installed = {p for p in setuptools.find_packages(str(build_tree), include=include["include"]) if "." not in p}
    tree = assemble(runtime, tmp_path / "app")
    shipped = {p.name for p in tree.iterdir() if (p / "__init__.py").exists()}
    local_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").exists()}
    assert local_apps | {"config"} == installed == shipped
    assert not {"tests", "tools"} & {p.name for p in tree.iterdir()}, "no tests or benchmarks in the image"
    assert not list(tree.rglob("*.onnx")), "models are mounted, never baked in"

    keys, data = tmp_path / "keys", tmp_path / "data"
    env = manifest_environment(keys, data)
    missing = run_in(tree, env, "check", "--deploy")
    assert missing.returncode != 0 and "keys.E001" in missing.stderr, "production refuses to start without keys"

    made = run_in(tree, env, "keys", "init", "--dir", str(keys))
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in keys.iterdir()) == sorted(
        v.split("/")[-1] for k, v in env.items() if k.endswith("_FILE") and v.startswith(str(keys))
    ), "keys init --dir writes the files config.env names"

    checked = run_in(tree, env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stderr
    migrated = run_in(tree, env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr

    where = run_in(tree, env, "shell", "-c", "import web, render; print('FROM', web.__file__, render.__file__)")
    assert where.returncode == 0, where.stderr
    files = next(line for line in where.stdout.splitlines() if line.startswith("FROM ")).split()[1:]
    assert [Path(f).parent.parent for f in files] == [tree, tree], ("imported from the image", where.stdout)


def test_an_image_without_an_installed_app_is_caught(tmp_path: Path):
    # The image that shipped without `web` (the COPY lines of before) does not start.
    missing = "web"
    _, runtime = dockerfile_stages(DOCKERFILE.read_text())
    runtime.copies = [(s, d) for s, d in runtime.copies if d != missing]
    tree = assemble(runtime, tmp_path / "app")
    env = manifest_environment(tmp_path / "keys", tmp_path / "data")
    result = run_in(tree, env, "check")
    assert result.returncode != 0
    assert f"No module named '{missing}'" in result.stderr
