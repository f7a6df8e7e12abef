"""Story: a studio comes back to four pieces of news: Ada approved one request and declined another,
its render is done, and Ada has since revoked the approved licence. The header counts them, the
inbox says each in the reader's language with a link to what it concerns, and reading them clears
the count. The fee ledger shows what the render accrued, per licence without pasting an id (the
licence's page links to it); a malformed month is refused beside the filter, kept as typed; the same
rows download as CSV. In English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from licensing.lifecycle import license_decline, license_request, license_revoke
from render.models import JobStatus, RenderJob
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.factories import license_terms
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_a_studio_reads_its_news_and_its_fee_ledger(reader_page: Any, reader: Reader, tmp_path: Path) -> None:
    page, t, story_name = reader_page, reader.t, f"studio-news-{reader.name}"
    story = make_render_story(tmp_path)  # approved: the first piece of news
    job = RenderJob.objects.get(pk=story.submit().json()["id"])  # done: the second
    assert job.status == JobStatus.COMPLETED
    second = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work], purposes=["advertising"]),
        actor=story.studio.user,
    )
    license_decline(license=second, reason="", actor=story.actor.user)  # declined: the third
    license_revoke(license=story.license, reason="", actor=story.actor.user)  # revoked: the fourth
    names = {"owner": story.actor.owner.display_name, "likeness": story.actor.likeness.display_name}

    sign_in(page, story.studio.user, reader)
    assert page.locator("#unread-count").inner_text() == "4"
    label = reader.tn("%(n)s unread notification", "%(n)s unread notifications", 4)
    assert page.locator("#unread-count").get_attribute("aria-label") == label
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    news = {
        "license.approved": t(
            "%(owner)s approved and signed the licence on “%(likeness)s”. You may render under it now."
        ),
        "render.completed": t("The render under the licence on “%(likeness)s” is complete and ready to download."),
        "license.declined": t("%(owner)s declined the licence request on “%(likeness)s”."),
        "license.revoked": t("The licence on “%(likeness)s” was revoked. No new renders are allowed under it."),
    }
    for kind, sentence in news.items():
        item = page.locator(f'#inbox .notification.unread[data-kind="{kind}"]')
        assert item.count() == 1, kind
        assert sentence % names in item.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "1-inbox-four-unread")

    # The declined request's news leads to that licence; reading it leaves three.
    declined = page.locator('#inbox .notification[data-kind="license.declined"]')
    declined.get_by_role("link", name=t("Open")).click()
    page.wait_for_url(f"**/licences/{second.pk}/")
    assert page.locator("#licence-status").inner_text() == t("Declined by the owner")
    assert_reads_in_language(page, reader)
    page.go_back()
    page.wait_for_url("**/inbox/")
    page.locator('#inbox .notification[data-kind="license.declined"]').get_by_role(
        "button", name=t("Mark as read")
    ).click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#unread-count").inner_text() == "3"
    page.get_by_role("button", name=t("Mark all as read")).click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#unread-count").count() == 0
    assert page.locator("#inbox .notification.unread").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "2-inbox-read")

    # The fee ledger, per licence, reached from the licence's own page.
    page.goto(f"/licences/{story.license.pk}/")
    page.get_by_role("link", name=t("Fees under this licence")).click()
    page.wait_for_url("**/fees/?license=*")
    with translation.override(reader.language):
        singular, plural = (
            "%(amount)s %(currency)s for %(renders)s render",
            "%(amount)s %(currency)s for %(renders)s renders",
        )
        with_amount = translation.ngettext(singular, plural, 1) % {"amount": "25.00", "currency": "EUR", "renders": 1}
    assert page.locator("#fee-totals").inner_text().strip() == with_amount
    rows = page.locator("#fee-rows tbody tr")
    assert rows.count() == 1
    assert story.actor.likeness.display_name in rows.first.inner_text()
    assert "25.00 EUR" in rows.first.inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "3-fees-of-the-licence")

    # A month written the wrong way: the sentence beside the filter, what was typed kept.
    page.get_by_label(t("Month")).fill("May")
    page.get_by_role("button", name=t("Show"), exact=True).click()
    page.wait_for_url("**/fees/?*month=May*")
    month = page.get_by_label(t("Month"))
    assert month.input_value() == "May"
    assert month.get_attribute("aria-invalid") == "true"
    assert page.locator("#fee-error").inner_text() == t("Choose a month such as 2026-11.")
    assert_reads_in_language(page, reader)
    shoot(page, story_name, "4-fees-month-refused")

    month.fill(job.created_at.strftime("%Y-%m"))
    page.get_by_role("button", name=t("Show"), exact=True).click()
    page.wait_for_selector("#fee-rows")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Download as CSV")).click()
    exported = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert len(exported) == 1
    assert str(story.license.pk) in exported[0].values()
