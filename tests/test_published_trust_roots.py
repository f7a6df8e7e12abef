"""Trust roots anyone can fetch without an account, and what an outsider can check with them.

Personas: Ada (actor) licensed her likeness to Studio, which rendered an output; a member of the
public with no account, the published /.well-known/ files and an off-the-shelf C2PA reader
(c2pa-python's Reader, trust configured through its own settings, not the platform's code).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from render.models import JobStatus, RenderJob
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def outsider_reads(path: Path, *, trust_anchors: str | None) -> tuple[str, list[str]]:
    """What c2pa-python says of a file: its validation state and every failure code."""
    options: dict = {"verify": {"verify_trust": True}}
    if trust_anchors is not None:
        options["trust"] = {"trust_anchors": trust_anchors}
    context = c2pa.Context(settings=c2pa.Settings.from_dict(options))
    with path.open("rb") as stream:
        reader = c2pa.Reader("image/jpeg", stream, context=context)
        state = str(reader.get_validation_state())
        results = reader.get_validation_results() or {}
    failures = [item.get("code", "") for item in (results.get("activeManifest") or {}).get("failure", [])]
    return state, failures


def rendered_output(tmp_path: Path) -> Path:
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED, job.error_code
    path = tmp_path / "output.jpg"
    with default_storage.open(job.output_name, "rb") as stored:
        path.write_bytes(stored.read())
    return path


def test_the_index_lists_every_trust_root_and_each_is_public(clock):
    outsider = APIClient()
    index = outsider.get("/.well-known/")
    assert index.status_code == 200
    roots = {root["name"]: root for root in index.json()["trust_roots"]}
    assert set(roots) == {"licence-keys", "audit-keys", "c2pa-trust-anchors"}
    for root in roots.values():
        path = "/" + root["url"].split("/", 3)[3]
        response = outsider.get(path)
        assert response.status_code == 200, path
    anchors = outsider.get("/.well-known/c2pa-trust-anchors.pem")
    assert anchors["Content-Type"] == "application/x-pem-file"
    certificates = x509.load_pem_x509_certificates(anchors.content)
    assert [c.fingerprint(hashes.SHA256()).hex() for c in certificates] == roots["c2pa-trust-anchors"][
        "sha256_fingerprints"
    ]
    assert all(c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca for c in certificates)


def test_an_outside_c2pa_reader_given_the_published_anchor_trusts_a_rendered_output(tmp_path, clock):
    output = rendered_output(tmp_path)
    published = APIClient().get("/.well-known/c2pa-trust-anchors.pem").content.decode("ascii")

    state, failures = outsider_reads(output, trust_anchors=published)
    assert state == "Trusted" and failures == []

    state, failures = outsider_reads(output, trust_anchors=None)
    assert state != "Trusted" and "signingCredential.untrusted" in failures, "without the anchor it is not trusted"


def test_an_evidence_bundle_points_its_reader_at_the_published_trust_roots(tmp_path, clock):
    story = make_render_story(tmp_path)
    job_id = story.submit().json()["id"]
    bundle = story.studio.client().get(f"/api/v1/render-jobs/{job_id}/evidence").content
    readme = zipfile.ZipFile(io.BytesIO(bundle)).read("README.md").decode()
    roots = APIClient().get("/.well-known/").json()["trust_roots"]
    assert "/.well-known/ " in readme
    for root in roots:
        assert root["url"] in readme, root["name"]
    body = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("bundle.json"))
    published = {key["kid"]: key["x"] for key in APIClient().get("/.well-known/jwks.json").json()["keys"]}
    for key in body["documents"]["license"]["keys"]:
        assert published.get(key["kid"]) == key["x"], "every key in the bundle is one the platform publishes"
