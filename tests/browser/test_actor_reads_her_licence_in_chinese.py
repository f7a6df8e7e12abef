# ruff: noqa: RUF001 - Chinese punctuation in the expected sentences
"""Story: a Chinese-speaking actor opens the licence a studio asks her to sign, on her phone
(390x844), and reads every term in Chinese: no English label, sentence, month or country name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from licensing.documents import parse
from licensing.models import LicenseStatus
from licensing.scope import Scope, Use, describe
from tests.browser.conftest import shoot
from tests.factories import make_licensed_story

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_WORDS = [
    "What this licence allows, in plain words",
    "Your decision",
    "Approve and sign",
    "Decline",
    "Renders made under this licence",
    "No renders yet.",
    "renders used",
    "Licence for",
    "Dashboard",
    "Sign out",
    "Verify a file",
    "France",
    "Germany",
    "United Kingdom",
    "worldwide",
]


def _denylist(scope: Scope) -> list[str]:
    """The English a zh-hans page must not show: labels, the scope's sentences, the page's words."""
    with translation.override("en"):
        labels = [str(choice.label) for kind in (LicenseStatus, Use) for choice in kind]
        sentences = describe(scope)
        firsts = [datetime(2026, month, 1, tzinfo=UTC) for month in range(1, 13)]
        months = [date_format(first, "F") for first in firsts] + [date_format(first, "N") for first in firsts]
    return labels + sentences + months + PAGE_WORDS


def test_the_actor_reads_her_licence_in_chinese_on_a_phone(
    chromium: Any, live_server: Any, committed_db: None, clock
) -> None:
    clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    story = make_licensed_story(approve=False)
    scope = Scope.from_document(parse(story.license.document)["scope"])
    session = Client()
    session.force_login(story.actor.user)

    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(f"/licences/{story.license.pk}/")
        text = page.locator("body").inner_text()
        assert "批准并签署" in text  # "Approve and sign"
        assert "有效期自2026年11月1日至2026年12月1日（UTC）。" in text
        assert "仅可在以下地区发行：德国、法国和英国。" in text
        assert "绝不可用于政治竞选活动或色情内容。" in text
        assert [english for english in _denylist(scope) if english in text] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        shoot(page, "licence-zh-hans-phone", "1-terms")
    finally:
        context.close()
