"""Story 3: a render outside the licence's scope (a territory it does not name) is refused, and
the job page explains the refusal in plain words next to its reason code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from render.models import RenderJob
from tests.browser.conftest import shoot, sign_in
from tests.browser.test_studio_renders_and_downloads import submit_render
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_a_refused_render_is_explained(page: Any, tmp_path: Path) -> None:
    story = make_render_story(tmp_path)
    sign_in(page, story.studio.user)
    submit_render(page, story, tmp_path, territory="US")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/renders/*/")
    page.wait_for_selector("#job-status[data-status=refused]")

    explanation = page.locator("#refusal-explanation").inner_text()
    assert explanation == "The licence does not permit release in this territory."
    assert "territory_not_permitted" in page.locator("#refusal").inner_text()
    assert page.get_by_role("link", name="Download the output").count() == 0
    assert RenderJob.objects.get(studio=story.studio.organisation).refusal_reason == "territory_not_permitted"
    shoot(page, "refusal", "1-explained")
