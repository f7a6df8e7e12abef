"""Story 4: anyone, signed in or not, uploads a rendered file to the verify page and reads which
licence it was made under, its status now, and whose likeness it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from licensing.lifecycle import license_revoke
from render.submission import render_job_submit
from tests.browser.conftest import shoot
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_the_verify_page_reports_a_rendered_files_licence_and_owner(page: Any, tmp_path: Path) -> None:
    story = make_render_story(tmp_path)
    # Committed for real: the job is enqueued on commit and runs inline (no broker in tests).
    job = render_job_submit(
        user=story.studio.user,
        license_id=story.license.pk,
        upload=SimpleUploadedFile("hopper.jpg", story.still, content_type="image/jpeg"),
        purpose="film",
        territory="FR",
    )
    job.refresh_from_db()
    assert job.status == "completed"
    rendered = tmp_path / "rendered.jpg"
    with default_storage.open(job.output_name, "rb") as handle:
        rendered.write_bytes(handle.read())

    page.goto("/verify/")
    shoot(page, "verify", "1-form")
    page.get_by_label("Image or video to check").set_input_files(str(rendered))
    page.get_by_role("button", name="Verify").click()
    report = page.locator("#report")
    report.wait_for()
    assert "present and valid" in page.locator("#report-c2pa").inner_text()
    assert f"mark {job.mark_id}" in page.locator("#report-mark").inner_text()
    assert str(story.license.pk) in page.locator("#report-licence").inner_text()
    assert page.locator("#report-licence-status").inner_text() == "Active (signed and countersigned)"
    assert page.locator("#report-owner").inner_text() == story.actor.owner.display_name
    shoot(page, "verify", "2-report-active")

    license_revoke(license=story.license, reason="withdrawn consent", actor=story.actor.user)
    page.get_by_label("Image or video to check").set_input_files(str(rendered))
    page.get_by_role("button", name="Verify").click()
    page.locator("#report").wait_for()
    assert page.locator("#report-licence-status").inner_text() == "Revoked"
    # That and when, never why: the actor's reason is hers alone.
    assert page.locator("#report-licence-since").is_visible()
    assert "withdrawn consent" not in page.locator("#report").inner_text()
    shoot(page, "verify", "3-report-revoked")
