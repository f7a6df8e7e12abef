"""Story 2: a studio goes from an actor's invitation to a downloaded output without typing an id.
It follows the invitation link to a request form filled from it, sends its terms (with the credit
it will print), hears in its inbox that the actor approved, renders under the licence from the
licence's own page (the face engines run for real), downloads exactly the recorded output, and
finds the credit on the receipt and on the verify page's report of the downloaded file.
In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Notification
from licensing.invitations import invitation_create
from licensing.lifecycle import license_approve
from licensing.models import License
from render.models import RenderJob
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in, sign_out
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser

CREDIT = "Face of Ada Person, used under licence"


def submit_render(page: Any, reader: Reader, still: bytes, tmp_path: Path, *, territory: str) -> None:
    """On the render form, with the licence already chosen: the still, a film, the territory."""
    t = reader.t
    target = tmp_path / "hopper.jpg"
    target.write_bytes(still)
    page.get_by_label(t("Target file")).set_input_files(str(target))
    page.get_by_label(t("Purpose")).select_option("film")
    page.get_by_label(t("Release territory")).fill(territory)
    # A full-page screenshot with a field still focused can leave Chromium scrolled elsewhere when
    # that field loses focus on the next click: leave the field first, as a person would.
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_a_studio_goes_from_an_invitation_to_a_downloaded_output(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t, story_name = reader_page, reader.t, f"studio-{reader.name}"
    story = make_render_story(tmp_path)
    # This studio has not asked yet: it is invited (the story's own licence, and its news, go).
    License.objects.filter(pk=story.license.pk).delete()
    Notification.objects.filter(recipient=story.studio.user).delete()
    _invitation, code = invitation_create(likeness=story.actor.likeness, actor=story.actor.user, note="studio")

    sign_in(page, story.studio.user, reader)
    page.goto(f"/invite/{code}/")
    page.wait_for_url("**/licences/request/?invitation=*")
    invited = t("%(owner)s invited you to request a licence on their likeness.") % {
        "owner": story.actor.owner.display_name
    }
    assert page.locator("#invited-by").inner_text() == invited
    assert page.get_by_label(t("Invitation link")).input_value() == code
    page.get_by_label(t("Until")).fill("2099-12-31")
    page.get_by_label(t("Maximum number of renders")).fill("5")
    page.get_by_label(story.work.title).check()
    page.get_by_label(t("a feature film"), exact=True).check()
    page.get_by_label(t("Image"), exact=True).check()
    page.get_by_label(t("Territories")).fill("FR, DE")
    page.get_by_label(t("Credit")).fill(CREDIT)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-request-from-the-invitation")
    page.get_by_role("button", name=t("Send request")).click()
    page.wait_for_url("**/licences/*-*/")
    assert page.get_by_text(t("Request sent. The owner will read the terms and approve or decline.")).is_visible()
    assert_reads_in_language(page, reader)
    licence = License.objects.get(likeness=story.actor.likeness)
    assert licence.licensee_id == story.studio.organisation.pk

    # The actor approves on her side; the studio hears of it in its inbox.
    license_approve(license=licence, actor=story.actor.user)
    page.goto("/")
    assert page.locator("#unread-count").inner_text() == "1"
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    approved = t("%(owner)s approved and signed the licence on “%(likeness)s”. You may render under it now.") % {
        "owner": story.actor.owner.display_name,
        "likeness": story.actor.likeness.display_name,
    }
    assert approved in page.locator("#inbox .notification.unread").first.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2-inbox-approved")
    page.locator("#inbox .notification").first.get_by_role("link", name=t("Open")).click()
    page.wait_for_url(f"**/licences/{licence.pk}/")
    assert page.locator("#licence-status").inner_text() == t("Active (signed and countersigned)")
    # The terms speak of the owner to the studio, not to it as if it were her.
    scope = page.locator("#scope").inner_text()
    revocable = "The owner may revoke this licence at any time; renders not yet started are then refused."
    assert t(revocable) in scope
    assert t("You may revoke this licence at any time; renders not yet started are then refused.") not in scope
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "3-licence-active")

    # From the licence's page to its render form, the licence already chosen.
    page.get_by_role("link", name=t("Render under this licence")).click()
    page.wait_for_url("**/renders/?license=*")
    assert page.get_by_label(t("Licence")).input_value() == str(licence.pk)
    submit_render(page, reader, story.still, tmp_path, territory="FR")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "4-render-form")
    page.get_by_role("button", name=t("Submit"), exact=True).click()
    page.wait_for_url("**/renders/*/")
    page.wait_for_selector("#job-status[data-status=completed]")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    job = RenderJob.objects.get(studio=story.studio.organisation)
    assert job.status == "completed" and job.license_id == licence.pk
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "5-job-completed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Download the output")).click()
    output = tmp_path / "output.jpg"
    download_info.value.save_as(output)
    assert hashlib.sha256(output.read_bytes()).hexdigest() == job.output_sha256
    assert page.locator("#output-sha256").inner_text() == job.output_sha256

    # The receipt the studio keeps names the credit it must print ...
    page.goto(f"/licences/{licence.pk}/")
    page.get_by_role("link", name=t("Receipt and signed document")).click()
    page.wait_for_url("**/receipt/")
    assert CREDIT in page.locator("#terms-credit").inner_text()
    # Addressed to the studio that keeps it, not to the owner who signed it.
    assert page.get_by_text(t("The owner's signature"), exact=True).is_visible()
    assert page.get_by_text(t("Your signature"), exact=True).count() == 0
    assert page.locator(".steps").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "6-receipt-with-credit")

    # ... and so does the verify page's report of the downloaded file.
    sign_out(page, reader)
    page.goto("/verify/")
    page.get_by_label(t("Image or video to check")).set_input_files(str(output))
    page.get_by_role("button", name=t("Verify")).click()
    page.locator("#report").wait_for()
    assert page.locator("#report-attribution").inner_text() == CREDIT
    assert page.locator("#report-licence-status").inner_text() == t("Active (signed and countersigned)")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "7-verified-with-credit")
