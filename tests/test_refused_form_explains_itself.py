# ruff: noqa: RUF001 - Chinese sentences with their own punctuation
"""A form refused by the CSRF check (left open too long, or sent with cookies off) answers the site's
own page in the reader's language: what happened in plain words, that nothing was half-written, and
a way back to the page, not Django's bare English "CSRF verification failed".

Personas: Ada, an actor signed in, whose browser dropped the site's cookie before she changed her
language; she reads Chinese on one day and English on another.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.models import UserProfile
from config.errors import csrf_failure
from tests.factories import make_actor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "sentence", "way_back"),
    [
        ("zh-hans", "此表单已过期", "页面打开的时间太长，或者您的浏览器没有保存本网站的 Cookie", "重新打开页面"),
        ("en", "This form has expired", "open too long, or your browser is not keeping", "Open the page again"),
    ],
)
def test_a_form_sent_without_its_csrf_token_is_explained_in_her_language(
    language: str, heading: str, sentence: str, way_back: str
) -> None:
    ada = make_actor("ada")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(ada.user)

    response = client.post("/language/", {"language": "en", "next": "/"}, HTTP_REFERER="http://testserver/licences/")

    assert response.status_code == 403
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert f"<h1>{heading}</h1>" in page
    assert sentence in page.replace("&#x27;", "'")
    assert f'href="http://testserver/licences/" id="csrf-again">{way_back}</a>' in page  # the page she was on
    assert 'href="/static/web/site.css' in page and 'class="card" id="error-page" data-status="403"' in page
    assert "CSRF verification failed" not in page
    assert not UserProfile.objects.filter(user=ada.user, language="en").exists(), "nothing was changed"


def test_the_page_renders_without_the_database_or_a_signed_in_request() -> None:
    # No django_db mark: touching the database here would fail the test.
    # A Referer from elsewhere is not offered as the way back: the address the form was sent to is.
    request = RequestFactory().post(
        "/licences/00000000-0000-0000-0000-000000000000/sign/", HTTP_REFERER="https://elsewhere.example/"
    )
    with translation.override("zh-hans"):
        response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    page = response.content.decode()
    assert "此表单已过期" in page and "没有保存任何内容，也没有留下任何写了一半的数据。" in page
    assert 'href="/licences/00000000-0000-0000-0000-000000000000/sign/"' in page


def test_an_api_path_keeps_the_json_error_body() -> None:
    response = csrf_failure(RequestFactory().post("/api/v1/licenses/"), reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
