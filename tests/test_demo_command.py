"""`manage.py demo` walks the whole story on this instance and can be run again on the same database.

Personas (made by the demo itself): demo-ada, an actor who enrols the astronaut's face and signs a
licence; demo-rita, who holds the work (Grace Hopper's portrait, a still and a clip); demo-sam, the
studio that renders; demo-audrey, the auditor who verifies the trail.
"""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from audit.selectors import audit_chain_verify
from render.models import JobStatus, RenderJob

# The renders are enqueued on commit and run inline, as on the embedded defaults: so real commits.
pytestmark = pytest.mark.usefixtures("committed_db")


def run_demo(out_dir) -> str:
    out = StringIO()
    call_command("demo", "--out", str(out_dir), stdout=out)
    return out.getvalue()


def test_the_demo_tells_the_whole_story_and_writes_signed_outputs(tmp_path):
    out_dir = tmp_path / "demo-output"
    text = run_demo(out_dir)

    steps = [line.split(".")[0] for line in text.splitlines() if re.match(r"^\d\. ", line)]
    assert steps == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert "enrolled with the dlib engine" in text
    assert "Your likeness may be used only in “Amazing Grace”." in text  # scope.describe, in plain words
    assert "You may revoke this licence at any time" in text

    sheets = sorted(out_dir.glob("*-sheet.jpg"))
    files = sorted(set(out_dir.iterdir()) - set(sheets))
    assert [p.name.split("-")[0] for p in files] == ["clip", "still"]
    # Beside each output, its contact sheet: target, actor and output side by side.
    assert [p.name for p in sheets] == [f"{p.stem}-sheet.jpg" for p in files]
    for sheet in sheets:
        assert f"contact sheet (target, actor, output): {sheet}" in text
        with Image.open(sheet) as image:
            assert image.height == 376 and image.width > 3 * 300
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"sha256 {digest}" in text
        job = RenderJob.objects.get(output_sha256=digest)
        assert job.status == JobStatus.COMPLETED
        assert f"mark id {job.mark_id}; invisible watermark reads back {job.mark_id}" in text
    assert text.count("C2PA manifest: Trusted") == 2

    assert re.search(r"^   job \S+ refused: license_revoked \(The licence was revoked\)$", text, re.M)
    assert "which is revoked" in text
    assert RenderJob.objects.filter(status=JobStatus.REFUSED, refusal_reason="license_revoked").count() == 1
    chain = audit_chain_verify()
    assert chain.ok
    assert f"audit chain verifies: {chain.entries_checked} entries, head {chain.head_hash}" in text
    assert re.search(rf"^   checkpoint: tree size {chain.entries_checked}, root [0-9a-f]{{64}}", text, re.M)


def test_the_demo_runs_again_on_the_same_database_reusing_its_people_face_and_work(tmp_path):
    run_demo(tmp_path / "first")
    text = run_demo(tmp_path / "second")
    assert "actor: demo-ada (already here from an earlier run; reused)" in text
    assert "is already enrolled (from an earlier run); reused" in text
    assert "is already registered (from an earlier run); reused" in text
    assert text.count("C2PA manifest: Trusted") == 2
    assert "refused: license_revoked" in text
    assert len(list((tmp_path / "second").iterdir())) == 4  # two outputs, two contact sheets
    assert RenderJob.objects.filter(status=JobStatus.COMPLETED).count() == 4
    assert audit_chain_verify().ok
