"""The credit a licence requires travels in every output and is shown to whoever verifies it.

Personas: Ada licensed her likeness to Studio on condition of the credit "Face of Ada Person, used
under licence"; Studio renders a still; a journalist (anonymous) later verifies the file.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from render.c2pa_manifest import read_manifest
from render.models import RenderJob
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db

CREDIT = "Face of Ada Person, used under licence"  # tests/factories.py license_terms
XMP_NAMESPACES = {"photoshop": "http://ns.adobe.com/photoshop/1.0/", "lp": "https://likeness-platform.example/ns/1.0/"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def rendered_still(tmp_path: Path) -> tuple[RenderJob, bytes]:
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    with default_storage.open(job.output_name, "rb") as stored:
        return job, stored.read()


def test_the_credit_is_in_the_signed_manifest_and_in_the_stills_xmp(tmp_path, clock):
    job, data = rendered_still(tmp_path)
    output = tmp_path / "output.jpg"
    output.write_bytes(data)

    manifest = read_manifest(output)
    assert manifest.intact and manifest.license_assertion is not None
    assert manifest.license_assertion["attribution"] == CREDIT
    assert manifest.license_assertion["job_id"] == str(job.pk)

    xmp = Image.open(io.BytesIO(data)).info["xmp"]
    description = ET.fromstring(xmp).find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
    assert description is not None
    assert description.findtext("photoshop:Credit", namespaces=XMP_NAMESPACES) == CREDIT
    assert description.findtext("lp:attribution", namespaces=XMP_NAMESPACES) == CREDIT


def test_the_verify_page_and_api_show_the_credit(tmp_path, clock):
    _job, data = rendered_still(tmp_path)
    api = APIClient().post("/api/v1/verify", {"file": SimpleUploadedFile("found.jpg", data)}, format="multipart").json()
    assert api["attribution"] == CREDIT
    page = Client().post("/verify/", {"file": SimpleUploadedFile("found.jpg", data)})
    assert page.status_code == 200
    assert f'<dd id="report-attribution">{CREDIT}</dd>' in page.content.decode()


def test_a_licence_without_a_credit_puts_none_in_the_output(tmp_path, clock):
    story = make_render_story(tmp_path, attribution=None)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    output = tmp_path / "output.jpg"
    with default_storage.open(job.output_name, "rb") as stored:
        output.write_bytes(stored.read())
    manifest = read_manifest(output)
    assert manifest.license_assertion is not None and manifest.license_assertion["attribution"] is None
    xmp = Image.open(output).info["xmp"]
    assert ET.fromstring(xmp).find(".//photoshop:Credit", namespaces=XMP_NAMESPACES) is None
