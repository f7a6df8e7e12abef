"""Story: Ada reads the site in simplified Chinese. A studio asks to license her likeness; the
header shows one unread message, her inbox says what happened in Chinese, and reading it clears
the count. Her choice of language is remembered for her e-mails."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import UserProfile
from licensing.lifecycle import license_request
from tests.browser.conftest import shoot, sign_in
from tests.factories import (
    grant_adaptation,
    license_terms,
    make_licensable_actor,
    make_rights_holder,
    make_studio,
    make_work,
)

pytestmark = pytest.mark.browser


def test_the_unread_count_and_the_inbox_in_chinese(page: Any) -> None:
    ada = make_licensable_actor("ada")
    rights, studio = make_rights_holder("rights"), make_studio("studio")
    work = make_work(rights)
    grant_adaptation(work, holder=rights, studio=studio)

    sign_in(page, ada.user)
    assert page.locator("#unread-count").count() == 0
    with page.expect_navigation():
        page.select_option("#language", "zh-hans")  # the select submits itself (site.js)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert UserProfile.objects.get(user=ada.user).language == "zh-hans"

    license_request(
        studio=studio.organisation, likeness_id=ada.likeness.pk, terms=license_terms([work]), actor=studio.user
    )
    page.reload()
    assert page.locator("#unread-count").inner_text() == "1"
    assert page.locator("#inbox-link").inner_text().startswith("收件箱")

    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    message = page.locator("#inbox .notification.unread").first.inner_text()
    assert f"{studio.organisation.name} 申请许可使用您的肖像“{ada.likeness.display_name}”" in message
    shoot(page, "inbox", "1-unread-in-chinese")

    page.get_by_role("button", name="标为已读").first.click()
    page.wait_for_url("**/inbox/")
    assert page.locator("#unread-count").count() == 0
    assert page.locator("#inbox .notification.unread").count() == 0
    shoot(page, "inbox", "2-read")
