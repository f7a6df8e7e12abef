"""Story: an actor creates an invitation link on her likeness page and sends it; a studio member
opens it, finds the request form filled from it, and sends a request; no id is typed anywhere. The
actor then sees the request labelled by work, studio and dates, and revokes the link: whoever
follows it afterwards is told why it no longer works. In English and in Chinese, on a desktop and
on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from licensing.models import License
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import grant_adaptation, make_licensable_actor, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.browser


def _as(page: Any, user: Any, reader: Reader) -> None:
    """Someone else at the same screen: signed out, the language kept."""
    url = page.url
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": reader.language, "url": url}])
    sign_in(page, user, reader)


def test_an_invitation_takes_a_studio_to_a_request_without_any_uuid(reader_page: Any, reader: Reader) -> None:
    page, t = reader_page, reader.t
    shot = f"invitation-{reader.name}"
    actor = make_licensable_actor("ada")
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder, media_type="image", title="Portrait of a Pilot")
    grant_adaptation(work, holder=holder, studio=studio)

    sign_in(page, actor.user, reader)
    page.goto(f"/likenesses/{actor.likeness.pk}/")
    assert_reads_in_language(page, reader)
    page.get_by_label(t("For whom (only you see this)")).fill(studio.organisation.name)
    page.get_by_role("button", name=t("Create an invitation link")).click()
    link = page.locator("#invitation-link").input_value()
    assert str(actor.likeness.pk) not in link
    code = page.locator("#invitation-code").inner_text()
    assert link.endswith(f"/invite/{code}/")  # the short code, to read out or paste, is the link's tail
    assert page.get_by_text(t("Invitation created. Copy the link now: it is shown only once.")).is_visible()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "1-actor-creates-the-link")

    _as(page, studio.user, reader)
    page.goto(link)
    page.wait_for_url("**/licences/request/?invitation=*")
    invited = t("%(owner)s invited you to request a licence on their likeness.") % {"owner": "Ada Person"}
    assert page.locator("#invited-by").inner_text() == invited
    assert_reads_in_language(page, reader)
    page.get_by_label(t("Until")).fill("2099-12-31")
    page.get_by_label(t("Maximum number of renders")).fill("5")
    page.get_by_label("Portrait of a Pilot").check()
    page.get_by_label(t("a feature film")).check()
    page.get_by_label(t("Image"), exact=True).check()
    page.get_by_label(t("Territories")).fill("FR, DE")
    # A full-page screenshot with a field still focused can leave Chromium scrolled elsewhere when
    # that field loses focus on the next click: leave the field first, as a person would.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    shoot(page, shot, "2-studio-request-form")
    page.get_by_role("button", name=t("Send request")).click()
    page.wait_for_url("**/licences/*-*/")
    assert page.get_by_text(t("Request sent. The owner will read the terms and approve or decline.")).is_visible()
    licence = License.objects.get()
    assert licence.likeness_id == actor.likeness.pk and licence.licensee_id == studio.organisation.pk
    assert_reads_in_language(page, reader)
    shoot(page, shot, "3-request-sent")

    _as(page, actor.user, reader)
    page.goto("/licences/")
    row = page.locator(".licence-row").first
    assert "Portrait of a Pilot" in row.inner_text() and studio.organisation.name in row.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "4-actor-sees-the-request")

    # She ends the link; it now explains itself instead of leading nowhere.
    page.goto(f"/likenesses/{actor.likeness.pk}/")
    invitation = page.locator("#invitations li", has_text=studio.organisation.name)
    invitation.get_by_role("button", name=t("Revoke")).click()
    page.wait_for_url(f"**/likenesses/{actor.likeness.pk}/")
    assert page.get_by_text(t("Invitation revoked: its link no longer works.")).is_visible()
    assert t("revoked") in page.locator("#invitations li", has_text=studio.organisation.name).inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "5-actor-revokes-the-link")

    _as(page, studio.user, reader)
    page.goto(link)
    assert page.locator("#invitation-refusal").is_visible()
    assert page.locator("#invited-by").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, shot, "6-revoked-link-explained")
