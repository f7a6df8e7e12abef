"""`manage.py keys`: every key the platform needs, made once, shown without secrets, rotated with overlap.

Personas: an operator preparing a deployment's keys; a studio whose licence was signed before a
rotation; a verifier checking an output after a rotation. In production a missing key is refused,
never generated: a fresh watermark key would read no existing mark.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from render.platform_keys import KINDS, forget_loaded_keys

ROOT = Path(__file__).resolve().parent.parent
KEY_SETTINGS = [name for kind in KINDS.values() for name in kind.settings]


@pytest.fixture
def key_files(settings, tmp_path):
    """This test's key files live in a folder of its own (nothing of the session's keys is touched)."""
    folder = tmp_path / "keys"
    for name in KEY_SETTINGS:
        setattr(settings, name, folder / name.lower())
    settings.LIKENESS_KEK = None
    settings.LIKENESS_KMS_KEY_ID = None
    forget_loaded_keys()
    yield folder
    forget_loaded_keys()


def keys(*args: str) -> object:
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return json.loads(out.getvalue())


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_makes_every_key_once_and_a_second_init_changes_nothing(key_files):
    assert keys("init") == dict.fromkeys(KINDS, "created")
    made = snapshot(key_files)
    assert len(made) == len(KEY_SETTINGS)
    for name in ("license_signing_key_file", "provenance_key_file", "watermark_key_file", "likeness_kek_file"):
        assert oct((key_files / name).stat().st_mode & 0o777) == "0o600", name
    assert keys("init") == dict.fromkeys(KINDS, "present")
    assert snapshot(key_files) == made


def test_show_prints_public_parts_and_ids_never_a_secret(key_files):
    keys("init")
    shown = {entry["kind"]: entry for entry in keys("show")}
    assert set(shown) == set(KINDS) and all(entry["present"] for entry in shown.values())
    from licensing.keys import platform_key_id
    from render.c2pa_manifest import credentials

    assert shown["license"]["id"] == platform_key_id()
    assert shown["c2pa"]["public"] == credentials().chain_pem.decode()
    printed = json.dumps(list(shown.values()))
    for name in ("watermark_key_file", "license_signing_key_file", "provenance_key_file", "likeness_kek_file"):
        secret = (key_files / name).read_bytes()
        assert secret.decode("latin-1") not in printed and "PRIVATE KEY" not in printed, name
    assert shown["watermark"]["public"] is None and len(shown["watermark"]["id"]) == 16


@pytest.mark.django_db
def test_rotating_the_licence_key_keeps_the_old_one_published(key_files, client):
    keys("init")
    rotated = keys("rotate", "license")
    assert rotated["previous_id"] != rotated["id"]
    published = {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert {rotated["previous_id"], rotated["id"]} <= published
    from licensing.keys import platform_key_id

    assert platform_key_id() == rotated["id"], "new documents are signed with the new key"


def test_rotating_the_c2pa_signer_keeps_outputs_signed_before_verifiable(key_files, tmp_path):
    from PIL import Image

    from render.c2pa_manifest import manifest_definition, read_manifest, sign_file

    def manifest(title: str) -> dict:
        return manifest_definition(
            title=title, license_id="L", job_id="J", mark_id=1, status_url="https://platform.example/", label_text="AI"
        )

    keys("init")
    original = tmp_path / "original.jpg"
    Image.new("RGB", (64, 64), (120, 80, 40)).save(original)
    before = tmp_path / "before.jpg"
    sign_file(original, before, manifest=manifest("before"))
    assert read_manifest(before).intact

    rotated = keys("rotate", "c2pa")
    assert rotated["previous_id"] != rotated["id"]
    after = tmp_path / "after.jpg"
    sign_file(original, after, manifest=manifest("after"))
    assert read_manifest(after).intact
    assert read_manifest(before).intact, "the old root stays in the trust-anchor bundle"


@pytest.mark.parametrize("kind", ["watermark", "audit", "likeness-kek", "license-kek"])
def test_rotations_that_would_orphan_data_are_refused_and_change_nothing(key_files, kind):
    keys("init")
    before = snapshot(key_files)
    with pytest.raises(CommandError, match="not rotated"):
        keys("rotate", kind)
    assert snapshot(key_files) == before


def test_a_missing_watermark_key_is_refused_where_generation_is_off(key_files, settings):
    from render.provenance import watermark_key

    settings.WATERMARK_KEY_GENERATE = False
    with pytest.raises(ImproperlyConfigured, match="keys init"):
        watermark_key()
    assert not settings.WATERMARK_KEY_FILE.exists(), "no key is generated in its place"


def production(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_FILE", "_GENERATE", "_GENERATE_CREDENTIALS"))}
    env.update(DATA_DIR=str(tmp_path), PRODUCTION="true", ALLOWED_HOSTS="platform.example")
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    env.pop("LIKENESS_KEK", None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_production_with_a_missing_watermark_key_refuses_to_start(tmp_path):
    made = production(tmp_path, "manage.py", "keys", "init")
    assert made.returncode == 0, made.stderr
    (tmp_path / "watermark-key").unlink()

    checked = production(tmp_path, "manage.py", "check", "--deploy")
    assert checked.returncode != 0
    assert "keys.E001" in checked.stderr and "WATERMARK_KEY_FILE" in checked.stderr
    served = production(tmp_path, "-c", "import config.wsgi")
    assert served.returncode != 0 and "refusing to start" in served.stderr, "gunicorn's workers would not boot"
    assert not (tmp_path / "watermark-key").exists(), "nothing generated a key in its place"
