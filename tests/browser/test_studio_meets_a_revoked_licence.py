"""Story: a studio rendered under a licence the actor has since revoked. Its render form lists the
licence as disabled with the reason; a form filled before the revocation is refused next to the
field; the job page marks the completed output revoked and offers no download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licensing.lifecycle import license_revoke
from render.models import JobStatus, RenderJob
from tests.browser.conftest import shoot, sign_in
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_a_revoked_licence_is_disabled_on_the_form_and_its_output_not_downloadable(page: Any, tmp_path: Path) -> None:
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED
    target = tmp_path / "hopper.jpg"
    target.write_bytes(story.still)

    sign_in(page, story.studio.user)
    page.get_by_role("link", name="Renders", exact=True).click()
    page.get_by_label("Licence").select_option(str(story.license.pk))
    page.get_by_label("Target file").set_input_files(str(target))
    page.get_by_label("Purpose").select_option("film")
    page.get_by_label("Release territory").fill("FR")
    # A full-page screenshot with a field still focused can leave Chromium scrolled elsewhere when
    # that field loses focus on the next click: leave the field first, as a person would.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    shoot(page, "revoked", "1-form-filled-while-active")

    # Meanwhile the actor revokes; the studio sends the form it filled before.
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    page.get_by_role("button", name="Submit").click()
    field = page.locator(".field.invalid")
    assert "The owner revoked this licence; no further renders are allowed." in field.inner_text()
    assert not page.get_by_text("Select a valid choice").is_visible()
    option = page.locator(f'#id_license option[value="{story.license.pk}"]')
    assert option.is_disabled()
    assert "revoked" in option.inner_text()
    assert RenderJob.objects.count() == 1
    shoot(page, "revoked", "2-refused-next-to-the-field")

    page.goto(f"/renders/{job.pk}/")
    assert page.locator("#licence-revoked-badge").is_visible()
    assert page.locator("#output-revoked").is_visible()
    assert page.get_by_role("link", name="Download the output").count() == 0
    shoot(page, "revoked", "3-job-output-revoked")
