"""Story 1: an actor signs in, reads a studio's request in plain words, approves (signs) it, follows
the render the studio makes under it, and later revokes it: as easily as she approved, with a
reason that is optional and hers alone. Anyone who then checks the rendered file on the public
verifier reads that the licence was revoked and when, in their language, never why. In English and
in Chinese, on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.formats import date_format

from licensing.lifecycle import license_request
from licensing.models import License
from render.submission import render_job_submit
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import license_terms
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser

REASON = "I no longer want my face in this film"


def test_an_actor_approves_a_request_follows_its_render_and_later_revokes_it(
    reader_page: Any, reader: Reader, tmp_path: Path
) -> None:
    page, t = reader_page, reader.t
    shot = f"actor-revokes-{reader.name}"
    # An enrolled actor, a studio holding the adaptation right, and a fresh request from it.
    story = make_render_story(tmp_path)
    request = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    sign_in(page, story.actor.user, reader)
    awaits = reader.tn("%(n)s licence request awaits your decision", "%(n)s licence requests await your decision", 1)
    assert page.get_by_text(awaits).is_visible()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "1-dashboard")

    page.get_by_role("link", name=awaits).click()
    page.wait_for_url("**/licences/")
    assert_reads_in_language(page, reader)
    page.locator(f"a[href='/licences/{request.pk}/']").first.click()
    page.wait_for_url(f"**/licences/{request.pk}/")
    assert reader.tn("At most %(n)s render.", "At most %(n)s renders.", 10) in page.locator("#scope").inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "2-request-in-plain-words")

    page.get_by_role("link", name=t("Approve and sign")).click()
    page.get_by_label(t("I have read every term above and I agree to license my likeness on these terms.")).check()
    page.get_by_role("button", name=t("Continue")).click()
    page.get_by_role("button", name=t("Sign the licence")).click()
    page.wait_for_url("**/receipt/")
    assert page.locator("#receipt-status").inner_text() == t("Active (signed and countersigned)")
    assert License.objects.get(pk=request.pk).status == "active"
    assert_reads_in_language(page, reader)

    # The studio renders under it; she follows that use from her licence page.
    job = render_job_submit(
        user=story.studio.user,
        license_id=request.pk,
        upload=SimpleUploadedFile("hopper.jpg", story.still, content_type="image/jpeg"),
        purpose="film",
        territory="FR",
    )
    job.refresh_from_db()
    assert job.status == "completed"
    page.goto(f"/licences/{request.pk}/")
    renders = page.locator(".renders .render")
    assert renders.count() == 1 and story.studio.organisation.name in renders.inner_text()
    assert f"({t('Image')}, " in renders.inner_text()  # the kind of output in her words, not the code
    assert_reads_in_language(page, reader)
    shoot(page, shot, "3-approved-and-used")

    # Revoking: one disclosure, an optional reason, one tick, one button.
    page.get_by_text(t("Revoke this licence…")).click()
    private = t("Only you will see it. The studio and the public learn that and when you revoked, never why.")
    assert private in page.locator("#revoke").inner_text()
    page.get_by_label(t("Reason (optional)")).fill(REASON)
    assert_reads_in_language(page, reader)
    shoot(page, shot, "4-revoke-confirmation")
    confirm = page.get_by_role("button", name=t("Confirm revocation"))
    confirm.click()
    # The browser refuses to send the form until the confirmation is ticked.
    assert License.objects.get(pk=request.pk).status == "active"
    page.get_by_label(t("Yes, revoke this licence. Renders not yet started will be refused.")).check()
    confirm.click()
    page.wait_for_url(f"**/licences/{request.pk}/")
    assert page.get_by_text(
        t("The licence is revoked. Every output made under it now verifies as revoked.")
    ).is_visible()
    assert page.locator("#licence-status").inner_text() == t("Revoked")
    licence = License.objects.get(pk=request.pk)
    assert licence.status == "revoked" and licence.revoke_reason == REASON
    assert page.get_by_text(REASON).is_visible()  # she sees her own reason
    assert_reads_in_language(page, reader)
    shoot(page, shot, "5-revoked")

    # A stranger checks the rendered file: revoked, since when, in their language; never why.
    rendered = tmp_path / "rendered.jpg"
    with default_storage.open(job.output_name, "rb") as handle:
        rendered.write_bytes(handle.read())
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": reader.language, "url": page.url}])
    page.goto("/verify/")
    page.get_by_label(t("Image or video to check")).set_input_files(str(rendered))
    page.get_by_role("button", name=t("Verify")).click()
    report = page.locator("#report")
    report.wait_for()
    assert page.locator("#report-licence-status").inner_text() == t("Revoked")
    with translation.override(reader.language):
        since = t("revoked on %(since)s") % {"since": date_format(licence.status_changed_at, "DATE_FORMAT")}
    assert page.locator("#report-licence-since").inner_text() == since
    assert REASON not in report.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "6-verifier-says-revoked")
