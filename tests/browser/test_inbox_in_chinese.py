"""Story: Ada's inbox. The site first opens in the other language; she picks hers, and the choice is
remembered for her e-mails. A studio asked to license her likeness (she approved), then renders
with it and downloads the render: the header counts the unread messages, her inbox says each thing
that happened in her language, and reading them clears the count. From a message she reaches the
licence and, from it, the fee the render accrued. In English and in Chinese, on a desktop and on a
phone (the file keeps its first name: the story began as the Chinese inbox)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.models import UserProfile
from render.downloads import render_job_download_url
from render.submission import render_job_submit
from tests.browser.conftest import Reader, assert_reads_in_language, shoot, sign_in
from tests.render_story import make_render_story

pytestmark = pytest.mark.browser


def test_the_unread_count_the_inbox_and_the_fee_in_her_language(
    reader_page: Any, reader: Reader, live_server: Any, tmp_path: Path
) -> None:
    page, t = reader_page, reader.t
    shot = f"inbox-{reader.name}"
    story = make_render_story(tmp_path)  # the studio's request notified her; she approved it
    ada, studio = story.actor, story.studio
    likeness = ada.likeness.display_name

    other = dataclasses.replace(reader, language="en" if reader.language == "zh-hans" else "zh-hans")
    page.context.add_cookies([{"name": "django_language", "value": other.language, "url": live_server.url}])
    sign_in(page, ada.user, other)
    with page.expect_navigation():
        page.select_option("#language", reader.language)  # the select submits itself (site.js)
    assert UserProfile.objects.get(user=ada.user).language == reader.language
    assert page.locator("#unread-count").inner_text() == "1"
    assert_reads_in_language(page, reader)

    job = render_job_submit(
        user=studio.user,
        license_id=story.license.pk,
        upload=SimpleUploadedFile("hopper.jpg", story.still, content_type="image/jpeg"),
        purpose="film",
        territory="FR",
    )
    job.refresh_from_db()
    assert job.status == "completed"
    render_job_download_url(job=job, actor=studio.user, request_base=live_server.url)
    page.reload()
    count = page.locator("#unread-count")
    assert count.inner_text() == "3"
    unread = reader.tn("%(n)s unread notification", "%(n)s unread notifications", 3)
    assert count.get_attribute("aria-label") == unread
    assert page.locator("#inbox-link").inner_text().startswith(t("Inbox"))
    assert_reads_in_language(page, reader)
    shoot(page, shot, "1-unread-count")

    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    names = {"studio": studio.organisation.name, "likeness": likeness}
    sentences = {
        "license.requested": "%(studio)s asks to license your likeness “%(likeness)s”. Open the request to "
        "approve or decline it.",
        "render.made": "%(studio)s completed a render with your likeness “%(likeness)s”.",
        "render.downloaded": "A member of %(studio)s downloaded a render made with your likeness “%(likeness)s”.",
    }
    for kind, sentence in sentences.items():
        message = page.locator(f"#inbox .notification.unread[data-kind='{kind}']")
        assert t(sentence) % names in message.inner_text(), kind
    assert_reads_in_language(page, reader)
    shoot(page, shot, "2-inbox-unread")

    page.locator("#inbox .notification[data-kind='render.made']").get_by_role("button", name=t("Mark as read")).click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#unread-count").inner_text() == "2"
    assert page.locator("#inbox .notification.unread").count() == 2
    page.get_by_role("button", name=t("Mark all as read")).click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#unread-count").count() == 0
    assert page.locator("#inbox .notification.unread").count() == 0
    assert_reads_in_language(page, reader)
    shoot(page, shot, "3-all-read")

    # The render's message leads to the licence it was made under, and on to its fee.
    page.locator("#inbox .notification[data-kind='render.made']").get_by_role("link", name=t("Open")).click()
    page.wait_for_url(f"**/licences/{story.license.pk}/")
    assert page.locator(".renders .render").count() == 1
    assert_reads_in_language(page, reader)
    page.locator("#licence-fees").click()
    page.wait_for_url("**/fees/?license=*")
    with translation.override(reader.language):
        total = translation.ngettext(
            "%(amount)s %(currency)s for %(renders)s render", "%(amount)s %(currency)s for %(renders)s renders", 1
        ) % {"amount": "25.00", "currency": "EUR", "renders": 1}
    assert page.locator("#fee-totals").inner_text() == total
    assert likeness in page.locator("#fee-rows").inner_text()
    assert_reads_in_language(page, reader)
    shoot(page, shot, "4-the-fee-it-accrued")

    # A month mistyped is explained in her language, and the filter is still there to correct it.
    page.locator("#fee-month").fill("2026-13")
    page.get_by_role("button", name=t("Show")).click()
    assert page.get_by_role("alert").inner_text() == t("Choose a month such as 2026-11.")
    assert page.locator("#fee-filter").is_visible()
    assert_reads_in_language(page, reader)
