# ruff: noqa: RUF001 - Chinese punctuation in the expected sentences
"""A refusal on the actor's pages is said in her language, never as the service's English message:
enrolling a likeness a second time, and a mistyped month on her fee ledger.

Personas: Ada, who reads the site in simplified Chinese.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import astronaut_photos, make_licensable_actor

pytestmark = pytest.mark.django_db


def chinese_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_enrolling_an_enrolled_likeness_again_is_refused_in_her_language():
    ada = make_licensable_actor("ada")
    photo = astronaut_photos()[0]
    page = chinese_client(ada.user).post(
        f"/likenesses/{ada.likeness.pk}/enrol/",
        {"photos": [SimpleUploadedFile(photo.name, photo.data, content_type="image/png")]},
        follow=True,
    )
    text = page.content.decode()
    assert "只有尚未登记的肖像才能登记。" in text  # "Only a likeness that is not enrolled yet can be enrolled."
    assert "only a draft likeness" not in text and "not_a_draft" not in text


def test_a_mistyped_month_on_the_fee_ledger_is_explained_in_her_language():
    ada = make_licensable_actor("ada")
    client = chinese_client(ada.user)
    page = client.get("/fees/", {"month": "2026-13"})
    assert page.status_code == 400
    assert "请选择月份，例如 2026-11。" in page.content.decode()
    csv = client.get("/fees.csv", {"month": "2026-13"})
    assert csv.status_code == 400 and csv.content.decode() == "请选择月份，例如 2026-11。"
