"""Story 2: a studio signs in, submits a render of its licensed still (the face engines run for
real), watches the job page reach completed, and downloads exactly the recorded output."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from render.models import RenderJob
from tests.browser.conftest import shoot, sign_in
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def submit_render(page: Any, story: Any, tmp_path: Path, *, territory: str) -> None:
    target = tmp_path / "hopper.jpg"
    target.write_bytes(story.still)
    page.get_by_role("link", name="Renders", exact=True).click()
    page.get_by_label("Licence").select_option(str(story.license.pk))
    page.get_by_label("Target file").set_input_files(str(target))
    page.get_by_label("Purpose").select_option("film")
    page.get_by_label("Release territory").fill(territory)


def test_a_studio_submits_a_render_watches_it_complete_and_downloads_it(page: Any, tmp_path: Path) -> None:
    story = make_render_story(tmp_path)
    sign_in(page, story.studio.user)
    submit_render(page, story, tmp_path, territory="FR")
    shoot(page, "studio", "1-submit-form")

    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/renders/*/")
    assert page.locator("#job-progress").is_visible()
    page.wait_for_selector("#job-status[data-status=completed]")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    job = RenderJob.objects.get(studio=story.studio.organisation)
    assert job.status == "completed"
    shoot(page, "studio", "2-job-completed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the output").click()
    downloaded = Path(download_info.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == job.output_sha256
    assert page.locator("#output-sha256").inner_text() == job.output_sha256

    # The actor sees the render under the licence, with a thumbnail of the labelled output.
    page.context.clear_cookies()
    sign_in(page, story.actor.user)
    page.goto(f"/licences/{story.license.pk}/")
    thumbnail = page.get_by_role("img", name="The output, with its visible label")
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.get_by_text(story.studio.organisation.name).first.is_visible()
    shoot(page, "studio", "3-actor-sees-the-render")
