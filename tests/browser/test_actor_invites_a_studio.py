"""Story: an actor creates an invitation link on her likeness page and sends it; a studio member
opens it, finds the request form filled from it, and sends a request; no id is typed anywhere. The
actor then sees the request labelled by work, studio and dates."""

from __future__ import annotations

from typing import Any

import pytest

from licensing.models import License
from tests.browser.conftest import shoot, sign_in
from tests.factories import grant_adaptation, make_licensable_actor, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.browser


def test_an_invitation_takes_a_studio_to_a_request_without_any_uuid(page: Any) -> None:
    actor = make_licensable_actor("ada")
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder, media_type="image", title="Portrait of a Pilot")
    grant_adaptation(work, holder=holder, studio=studio)

    sign_in(page, actor.user)
    page.goto(f"/likenesses/{actor.likeness.pk}/")
    page.get_by_label("For whom (only you see this)").fill(studio.organisation.name)
    page.get_by_role("button", name="Create an invitation link").click()
    link = page.locator("#invitation-link").input_value()
    assert str(actor.likeness.pk) not in link
    shoot(page, "invitation", "1-actor-creates-the-link")

    page.context.clear_cookies()
    sign_in(page, studio.user)
    page.goto(link)
    page.wait_for_url("**/licences/request/?invitation=*")
    assert "Ada Person invited you to request a licence" in page.locator("#invited-by").inner_text()
    page.get_by_label("Until").fill("2099-12-31")
    page.get_by_label("Maximum number of renders").fill("5")
    page.get_by_label("Portrait of a Pilot").check()
    page.get_by_label("Feature film").check()
    page.get_by_label("Image").check()
    page.get_by_label("Territories").fill("FR, DE")
    # A full-page screenshot with a field still focused can leave Chromium scrolled elsewhere when
    # that field loses focus on the next click: leave the field first, as a person would.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    shoot(page, "invitation", "2-studio-request-form")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/licences/*-*/")
    assert page.get_by_text("Request sent.", exact=False).is_visible()
    licence = License.objects.get()
    assert licence.likeness_id == actor.likeness.pk and licence.licensee_id == studio.organisation.pk
    shoot(page, "invitation", "3-request-sent")

    page.context.clear_cookies()
    sign_in(page, actor.user)
    page.goto("/licences/")
    row = page.locator(".licence-row").first
    assert "Portrait of a Pilot" in row.inner_text() and studio.organisation.name in row.inner_text()
    shoot(page, "invitation", "4-actor-sees-the-request")
