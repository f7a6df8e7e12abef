"""Story 4: a member of the public, not signed in, checks files on the verify page. A file that is
not an image or a video is refused next to the file field in her language; a rendered file reports
which licence it was made under, its status now, whose likeness it is and the credit the licence
requires; after the actor revokes, the same file reports revoked and since when, never why.
In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from licensing.lifecycle import license_revoke
from render.submission import render_job_submit
from tests.browser.conftest import Reader, assert_reads_in_language, shoot
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_the_verify_page_reports_a_rendered_files_licence_and_owner(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t, story_name = reader_page, reader.t, f"verify-{reader.name}"
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
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")

    page.goto("/verify/")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-form")
    page.get_by_label(t("Image or video to check")).set_input_files(str(notes))
    with page.expect_response(lambda response: response.request.method == "POST") as info:
        page.get_by_role("button", name=t("Verify"), exact=True).click()
    assert info.value.status == 400
    page.wait_for_load_state()
    invalid = page.locator(".field.invalid")
    assert invalid.locator("#id_file").count() == 1
    refusal = invalid.locator(".errors").inner_text().strip()
    assert refusal == t("Only JPEG, PNG, WebP or MP4 (H.264) files are accepted.")
    assert page.locator("#report").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2-not-a-media-file")

    page.get_by_label(t("Image or video to check")).set_input_files(str(rendered))
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    page.locator("#report").wait_for()
    assert page.locator("#report-c2pa").inner_text() == t("present and valid (signed by this platform)")
    assert page.locator("#report-mark").inner_text() == t("found (mark %(mark)s)") % {"mark": job.mark_id}
    assert str(story.license.pk) in page.locator("#report-licence").inner_text()
    assert page.locator("#report-licence-status").inner_text() == t("Active (signed and countersigned)")
    assert page.locator("#report-owner").inner_text() == story.actor.owner.display_name
    assert page.locator("#report-attribution").inner_text() == "Face of Ada Person, used under licence"
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "3-report-active")

    license_revoke(license=story.license, reason="withdrawn consent", actor=story.actor.user)
    page.get_by_label(t("Image or video to check")).set_input_files(str(rendered))
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    page.locator("#report").wait_for()
    assert page.locator("#report-licence-status").inner_text() == t("Revoked")
    # That and when, never why: the actor's reason is hers alone.
    assert page.locator("#report-licence-since").is_visible()
    assert "withdrawn consent" not in page.locator("#report").inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "4-report-revoked")
