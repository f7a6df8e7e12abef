"""The pages speak English by default and simplified Chinese to a browser that asks for it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_licensed_story

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_is_in_english_by_default() -> None:
    page = Client().get("/sign-in/").content.decode()
    assert "Sign in" in page
    assert 'lang="en"' in page


def test_the_pages_are_in_chinese_for_a_browser_asking_for_zh_hans() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get("/verify/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "验证文件" in page  # "Verify a file"
    assert "登录" in Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get("/sign-in/").content.decode()  # "Sign in"


def test_an_actors_licence_page_is_in_chinese() -> None:
    story = make_licensed_story(approve=False)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(story.actor.user)
    page = client.get(f"/licences/{story.license.pk}/").content.decode()
    assert "批准并签署" in page  # "Approve and sign"
