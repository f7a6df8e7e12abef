"""Every output carries a signed C2PA manifest; a reader trusting the platform root says Trusted.

Personas: the platform signing outputs; a member of the public reading them; a forger flipping bytes.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from render.c2pa_manifest import ASSERTION_LABEL, DIGITAL_SOURCE_TYPE, manifest_definition, read_manifest, sign_file
from render.video import write_clip


@pytest.fixture
def manifest():
    return manifest_definition(
        title="render",
        license_id="lic-1",
        job_id="job-1",
        mark_id=123456789,
        status_url="https://platform.example/api/v1/licenses/lic-1/status",
        label_text="AI-generated likeness - licensed",
    )


def still(tmp_path, suffix: str):
    path = tmp_path / f"plain{suffix}"
    pixels = np.random.default_rng(3).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_signed_still_reads_back_as_trusted_with_the_licence_assertion(tmp_path, manifest, suffix):
    source, signed = still(tmp_path, suffix), tmp_path / f"signed{suffix}"
    sign_file(source, signed, manifest=manifest)
    report = read_manifest(signed)
    assert report.present and report.state == "Trusted" and report.intact
    assert report.license_assertion == manifest["assertions"][1]["data"]
    assert DIGITAL_SOURCE_TYPE in report.digital_source_types
    assert np.array_equal(np.asarray(Image.open(signed).convert("RGB")), np.asarray(Image.open(source).convert("RGB")))


def test_a_signed_video_reads_back_as_trusted(tmp_path, manifest):
    source, signed = tmp_path / "plain.mp4", tmp_path / "signed.mp4"
    write_clip(source, (np.full((64, 96, 3), i * 5, np.uint8) for i in range(20)), fps=10)
    sign_file(source, signed, manifest=manifest)
    report = read_manifest(signed)
    assert report.state == "Trusted"
    assert report.license_assertion is not None and report.license_assertion["job_id"] == "job-1"


def test_a_flipped_byte_is_reported_as_tampered(tmp_path, manifest):
    source, signed = still(tmp_path, ".jpg"), tmp_path / "signed.jpg"
    sign_file(source, signed, manifest=manifest)
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0x01
    signed.write_bytes(bytes(data))
    report = read_manifest(signed)
    assert report.present and not report.intact
    assert report.state == "Invalid"
    assert any("mismatch" in failure for failure in report.failures)


def test_an_unsigned_file_has_no_manifest(tmp_path):
    report = read_manifest(still(tmp_path, ".png"))
    assert report.present is False and report.license_assertion is None


def test_the_custom_assertion_is_labelled_for_the_platform(manifest):
    labels = [assertion["label"] for assertion in manifest["assertions"]]
    assert ASSERTION_LABEL in labels
