"""A work's page names territories and dates in the reader's language, not as codes and ISO dates.

Personas: a rights holder reading the rights declared on a film and the grant to a studio.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.factories import grant_adaptation, make_rights_holder, make_studio, make_work

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["worldwide", "Germany and France", "Nov. 1, 2025"]),
        ("zh-hans", ["全球", "德国和法国", "2025年11月1日"]),
    ],
)
def test_the_work_page_names_countries_and_dates_in_words(clock, language: str, words: list[str]) -> None:
    clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    holder = make_rights_holder("rights")
    studio = make_studio("studio")
    work = make_work(holder)  # rights declared worldwide, from a year ago
    grant_adaptation(work, holder=holder, studio=studio, territories=["FR", "DE"])
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(holder.user)
    page = client.get(f"/works/{work.pk}/").content.decode()
    for word in words:
        assert word in page
    assert "FR, DE" not in page and "DE, FR" not in page and "2025-11-01" not in page
