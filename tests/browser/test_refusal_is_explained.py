"""Story 3: what a studio is refused, it is told in its own language where it looks. A request with a
territory code that does not exist is refused next to the Territories field, the rest of the form
kept as filled; a render outside the licence's scope (a territory it does not name) is refused, and
the job page explains it in plain words next to its reason code. A mistyped address and someone
else's job answer the site's styled 404 page, a form sent from a stale page its 403 page, and a
fault its 500 page, each in the reader's language. English and Chinese, desktop and phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licensing.invitations import invitation_create
from licensing.models import License
from render.models import RenderJob
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in, sign_out
from tests.browser.test_studio_renders_and_downloads import submit_render
from tests.factories import make_studio
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def assert_styled_error_page(page: Any, reader: Reader, status: int, heading: str) -> None:
    """The site's own page for `status`: its stylesheet applied, its heading in the reader's words."""
    error = page.locator("#error-page")
    assert error.get_attribute("data-status") == str(status)
    assert page.locator("#error-page h1").inner_text() == reader.t(heading)
    background = error.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background not in {"", "transparent", "rgba(0, 0, 0, 0)"}, "the error page is unstyled"
    assert_reads_in_language(page, reader)


def test_refusals_are_sentences_next_to_the_field_and_errors_the_sites_own_pages(
    reader_page: Any, reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    page, t, story_name = reader_page, reader.t, f"refusal-{reader.name}"
    settings.SECURITY_HEADERS = True  # the error pages too keep to the production policy (no inline style)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    story = make_render_story(tmp_path, enrol=False)
    _invitation, code = invitation_create(likeness=story.actor.likeness, actor=story.actor.user)

    # A territory code that names no country: refused next to its field, the rest kept as filled.
    sign_in(page, story.studio.user, reader)
    page.goto(f"/invite/{code}/")
    page.wait_for_url("**/licences/request/?invitation=*")
    page.get_by_label(t("Until")).fill("2099-12-31")
    page.get_by_label(t("Maximum number of renders")).fill("5")
    page.get_by_label(story.work.title).check()
    page.get_by_label(t("a feature film"), exact=True).check()
    page.get_by_label(t("Image"), exact=True).check()
    page.get_by_label(t("Territories")).fill("France, Germany")
    page.get_by_label(t("Credit")).fill("Face of Ada Person")
    page.get_by_role("button", name=t("Send request")).click()
    page.wait_for_load_state()
    invalid = page.locator(".field.invalid")
    assert invalid.count() == 1
    assert invalid.locator("#id_territories").count() == 1
    sentence = t("Give country codes such as FR or DE, or WORLD alone for everywhere.")
    assert invalid.locator(".errors").inner_text().strip() == sentence
    assert page.get_by_label(t("Territories")).input_value() == "France, Germany"
    assert page.get_by_label(t("Maximum number of renders")).input_value() == "5"
    assert page.get_by_label(t("Credit")).input_value() == "Face of Ada Person"
    assert page.get_by_label(story.work.title).is_checked()
    assert page.get_by_label(t("Invitation link")).input_value() == code
    assert License.objects.filter(likeness=story.actor.likeness).count() == 1  # the story's own only
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-refused-next-to-the-field")

    # A render outside the licence's territories: the job page explains the gate's refusal.
    page.get_by_role("link", name=t("Renders"), exact=True).click()
    page.wait_for_url("**/renders/")
    page.get_by_label(t("Licence")).select_option(str(story.license.pk))
    submit_render(page, reader, story.still, tmp_path, territory="US")
    page.get_by_role("button", name=t("Submit"), exact=True).click()
    page.wait_for_url("**/renders/*/")
    page.wait_for_selector("#job-status[data-status=refused]")
    explanation = page.locator("#refusal-explanation").inner_text()
    assert explanation == t("The licence does not permit release in this territory.")
    assert "territory_not_permitted" in page.locator("#refusal").inner_text()
    assert page.get_by_role("link", name=t("Download the output")).count() == 0
    job = RenderJob.objects.get(studio=story.studio.organisation)
    assert job.refusal_reason == "territory_not_permitted"
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2-render-refused-explained")

    # The studio's inbox says why in the same words, not the reason code.
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    news = page.locator('#inbox .notification[data-kind="render.refused"]').inner_text()
    assert explanation.rstrip(".。") in news and "territory_not_permitted" not in news
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2b-inbox-says-why")

    # A mistyped address: the site's 404 page, in the reader's words.
    response = page.goto(f"/renders/{str(job.pk)[:-1]}/")
    assert response is not None and response.status == 404
    assert_styled_error_page(page, reader, 404, "Page not found")
    shoot(page, story_name, "3-404-mistyped")

    # Someone else's job is the same page: another studio learns nothing of it.
    sign_out(page, reader)
    outsider = make_studio("outsider")
    sign_in(page, outsider.user, reader)
    response = page.goto(f"/renders/{job.pk}/")
    assert response is not None and response.status == 404
    assert_styled_error_page(page, reader, 404, "Page not found")
    assert story.studio.organisation.name not in page.locator("body").inner_text()
    shoot(page, story_name, "4-404-someone-elses-job")

    # A form sent from a page that outlived its security token: the 403 page, nothing done.
    page.goto("/renders/")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name=t("Sign out")).click()
    page.wait_for_load_state()
    assert_styled_error_page(page, reader, 403, "This form has expired")
    shoot(page, story_name, "5-403-stale-form")

    # A fault on our side: the 500 page, styled and in the reader's words.
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a fault the story provokes")

    monkeypatch.setattr("web.views.home.render_jobs_visible_to", broken)
    response = page.goto("/")
    assert response is not None and response.status == 500
    assert_styled_error_page(page, reader, 500, "Something went wrong")
    shoot(page, story_name, "6-500-fault")
    assert violations == []
