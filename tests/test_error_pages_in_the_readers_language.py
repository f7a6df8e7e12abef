"""A mistyped address answers the site's own page in the reader's language, not Django's bare
English "Not Found"; the API keeps its JSON error body; the 500 page needs neither the database nor
a working request.

Personas: an actor following a mistyped licence link, in Chinese and in English.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import translation

from config.errors import permission_denied, server_error
from tests.factories import make_actor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "nav"),
    [("zh-hans", "找不到页面", "验证文件"), ("en", "Page not found", "Verify a file")],
)
def test_a_mistyped_licence_id_answers_the_sites_404_page(language: str, heading: str, nav: str) -> None:
    actor = make_actor("ada")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(actor.user)
    response = client.get("/licences/not-a-licence-id/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert f"<h1>{heading}</h1>" in page
    assert nav in page  # the site's own header: it extends the base template
    assert "The requested resource was not found on this server" not in page


@pytest.mark.django_db
def test_someone_elses_licence_is_the_same_404_page_in_chinese() -> None:
    actor = make_actor("ada")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(actor.user)
    response = client.get("/licences/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "找不到页面" in response.content.decode()


@pytest.mark.django_db
def test_the_api_keeps_its_json_error_body() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_500_page_renders_without_the_database_or_a_signed_in_request() -> None:
    # No django_db mark: touching the database here would fail the test.
    request = RequestFactory().get("/licences/")
    with translation.override("zh-hans"):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page and 'lang="zh-hans"' in page
    api = server_error(RequestFactory().get("/api/v1/licenses/"))
    assert api["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_the_403_page_is_styled_and_translated() -> None:
    request = RequestFactory().get("/licences/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        response = permission_denied(request)
    assert response.status_code == 403
    assert "不允许访问" in response.content.decode()
