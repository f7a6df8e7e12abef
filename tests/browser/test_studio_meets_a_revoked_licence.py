"""Story: a studio rendered under a licence the actor has since revoked. Its render form lists the
licence as disabled with the reason; a form filled before the revocation is refused next to the
field, kept as filled; its licence list marks the licence revoked; the job page marks the completed
output revoked and offers no download. In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licensing.lifecycle import license_revoke
from render.models import JobStatus, RenderJob
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.browser.test_studio_renders_and_downloads import submit_render
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_a_revoked_licence_is_disabled_on_the_form_and_its_output_not_downloadable(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t, story_name = reader_page, reader.t, f"revoked-{reader.name}"
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED

    sign_in(page, story.studio.user, reader)
    page.get_by_role("link", name=t("Renders"), exact=True).click()
    page.wait_for_url("**/renders/")
    page.get_by_label(t("Licence")).select_option(str(story.license.pk))
    submit_render(page, reader, story.still, tmp_path, territory="FR")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-form-filled-while-active")

    # Meanwhile the actor revokes; the studio sends the form it filled before.
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    page.get_by_role("button", name=t("Submit"), exact=True).click()
    page.wait_for_load_state()
    field = page.locator(".field.invalid")
    reason = t("The owner revoked this licence; no further renders are allowed.")
    assert reason in field.inner_text()
    assert field.locator("#id_license").count() == 1  # the sentence sits on the licence's own field
    assert not page.get_by_text(t("Select a valid choice"), exact=False).is_visible()
    option = page.locator(f'#id_license option[value="{story.license.pk}"]')
    assert option.is_disabled()
    assert reason in option.inner_text()
    # The rest of the form is kept as filled.
    assert page.get_by_label(t("Release territory")).input_value() == "FR"
    assert page.get_by_label(t("Purpose")).input_value() == "film"
    assert RenderJob.objects.count() == 1
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2-refused-next-to-the-field")

    # The studio's licence list says it too.
    page.get_by_role("link", name=t("Licences"), exact=True).click()
    page.wait_for_url("**/licences/")
    row = page.locator(".licence-row").filter(has_text=story.work.title)
    assert row.locator(".badge").inner_text() == t("Revoked")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "3-licence-list-revoked")
    row.get_by_role("link").first.click()
    page.wait_for_url(f"**/licences/{story.license.pk}/")
    assert page.locator("#licence-status").inner_text() == t("Revoked")
    assert page.get_by_role("link", name=t("Render under this licence")).count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "4-licence-revoked")

    page.goto(f"/renders/{job.pk}/")
    assert page.locator("#licence-revoked-badge").inner_text() == t("Licence revoked")
    assert page.locator("#output-revoked").is_visible()
    assert page.get_by_role("link", name=t("Download the output")).count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "5-job-output-revoked")
