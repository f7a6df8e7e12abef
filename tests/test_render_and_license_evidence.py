"""Evidence for a render job and for a licence: one zip, checkable offline, tampering named.

Personas: Studio (the licensee) and Ada (the owner) export; an auditor exports anything; Rival,
another studio, gets 404; a verifier without the database checks the zip.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audit.evidence import verify_bundle
from render.models import RenderJob
from tests.factories import make_auditor, make_studio
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def story_and_job(tmp_path):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    return story, job


def rewrite_json(bundle: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "bundle.json":
                body = json.loads(data)
                change(body)
                data = json.dumps(body).encode()
            target.writestr(name, data)
    return out.getvalue()


def test_a_job_bundle_proves_the_job_its_output_and_its_licence(story_and_job):
    story, job = story_and_job
    response = story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/evidence")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    report = verify_bundle(response.content)
    assert report.ok, report.problems
    assert report.documents_verified == ["license"]
    body = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("bundle.json"))
    record = body["records"]["render_job"]
    assert (record["output_sha256"], record["mark_id"]) == (job.output_sha256, job.mark_id)
    actions = {
        json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read(e["file"]))["action"] for e in body["entries"]
    }
    assert {"render_job.submitted", "render_job.completed", "license.approved", "license.use_reserved"} <= actions


def test_the_owner_and_an_auditor_may_export_and_a_rival_may_not(story_and_job):
    story, job = story_and_job
    assert story.actor.client().get(f"/api/v1/render-jobs/{job.pk}/evidence").status_code == 200
    assert make_auditor().client().get(f"/api/v1/render-jobs/{job.pk}/evidence").status_code == 200
    rival = make_studio("rival")
    assert rival.client().get(f"/api/v1/render-jobs/{job.pk}/evidence").status_code == 404
    assert rival.client().get(f"/api/v1/licenses/{story.license.pk}/evidence").status_code == 404


def test_a_forged_licence_signature_in_a_bundle_is_named(story_and_job):
    story, job = story_and_job
    bundle = story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/evidence").content

    def forge(body: dict) -> None:
        signature = body["documents"]["license"]["owner_signature"]
        body["documents"]["license"]["owner_signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]

    report = verify_bundle(rewrite_json(bundle, forge))
    assert "document license: the owner's signature does not verify" in report.problems


def test_an_edited_licence_document_in_a_bundle_is_named(story_and_job):
    story, _job = story_and_job
    bundle = story.actor.client().get(f"/api/v1/licenses/{story.license.pk}/evidence").content
    assert verify_bundle(bundle).ok

    def widen(body: dict) -> None:
        body["documents"]["license"]["document"] = body["documents"]["license"]["document"].replace('"FR"', '"US"')

    problems = verify_bundle(rewrite_json(bundle, widen)).problems
    assert any("owner's signature does not verify" in p for p in problems)


def test_a_revoked_licence_bundle_carries_the_signed_revocation(story_and_job):
    from licensing.lifecycle import license_revoke

    story, _job = story_and_job
    license_revoke(license=story.license, reason="no longer", actor=story.actor.user)
    bundle = story.actor.client().get(f"/api/v1/licenses/{story.license.pk}/evidence").content
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    body = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("bundle.json"))
    assert body["documents"]["license"]["revocation"]


def test_verify_evidence_checks_a_job_bundle_with_no_database(story_and_job, tmp_path):
    story, job = story_and_job
    path = tmp_path / "job.zip"
    path.write_bytes(story.studio.client().get(f"/api/v1/render-jobs/{job.pk}/evidence").content)
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/gone",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_evidence", str(path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents_verified"] == ["license"]
