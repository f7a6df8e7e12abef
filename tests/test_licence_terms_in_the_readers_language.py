# ruff: noqa: RUF001 - Chinese punctuation in the expected sentences
"""An actor reads the terms she signs in her language: scope sentences with dates in words, countries
by name, prohibitions joined with "or", and the status badge, in English and in simplified Chinese.

Personas: an actor (the likeness owner) reading a studio's licence request before she signs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import translation

from licensing.scope import build_scope, describe
from tests.factories import make_licensed_story


def _licence_page(language: str, clock) -> str:
    clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))  # the terms run 31 October 2026 + 30 days
    story = make_licensed_story(approve=False)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(story.actor.user)
    response = client.get(f"/licences/{story.license.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_actor_reads_the_terms_in_english_with_dates_and_countries_in_words(clock) -> None:
    page = _licence_page("en", clock)
    assert "From Nov. 1, 2026 until Dec. 1, 2026 (UTC)." in page
    assert "distributed in these territories only: Germany, France and United Kingdom." in page
    assert "Never for political campaigning or sexual content." in page
    assert "Only for a feature film and a series." in page
    assert "Requested (awaiting the owner)" in page


@pytest.mark.django_db
def test_the_actor_reads_the_terms_in_chinese(clock) -> None:
    page = _licence_page("zh-hans", clock)
    assert "有效期自2026年11月1日至2026年12月1日（UTC）。" in page
    assert "仅可在以下地区发行：德国、法国和英国。" in page
    assert "绝不可用于政治竞选活动或色情内容。" in page
    assert "仅限用于故事片和系列剧。" in page
    assert "最多渲染 10 次。" in page
    assert "已申请（等待所有人决定）" in page  # the status badge
    for english in ("Nov.", "Germany", "political campaigning", "Requested (awaiting the owner)", "Never for"):
        assert english not in page


def test_a_worldwide_single_render_licence_reads_as_such_in_both_languages() -> None:
    scope = build_scope(
        works=[{"id": "w1", "title": "Night Train"}],
        purposes=["advertising"],
        media_types=["image"],
        territories=["WORLD"],
        valid_from=datetime(2026, 3, 5, tzinfo=UTC),
        valid_until=datetime(2026, 4, 5, tzinfo=UTC),
        max_renders=1,
        prohibited_uses=["sexual_content", "political_campaigning", "endorsement"],
    )
    with translation.override("en"):
        english = describe(scope)
    with translation.override("zh-hans"):
        chinese = describe(scope)
    assert "Only in still images, distributed worldwide." in english
    assert "At most 1 render." in english
    assert "Never for endorsing a product or cause, political campaigning or sexual content." in english
    assert "您的肖像仅可用于《Night Train》。" in chinese
    assert "仅限静态图像，可在全球发行。" in chinese
    assert "有效期自2026年3月5日至2026年4月5日（UTC）。" in chinese
    assert "绝不可用于为产品或事业代言、政治竞选活动或色情内容。" in chinese
