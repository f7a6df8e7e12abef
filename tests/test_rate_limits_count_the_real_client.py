"""Public rate limits count the client's real address, which a request header cannot choose.

Personas: a scraper hammering the public verifier, rotating X-Forwarded-For to look like many
people; two honest visitors behind the platform's own ingress (TRUSTED_PROXY_COUNT = 1), which
appends the address it saw to X-Forwarded-For.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    cache.clear()
    settings.VERIFY_RATE = "2/minute"


def ask(forwarded_for: str | None = None):
    upload = SimpleUploadedFile("x.jpg", b"not a photo")
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return APIClient().post("/api/v1/verify", {"file": upload}, format="multipart", headers=headers)


def test_rotating_x_forwarded_for_does_not_dodge_the_limit():
    statuses = [ask(f"203.0.113.{i}").status_code for i in range(3)]
    assert statuses == [400, 400, 429]


def test_behind_a_trusted_proxy_each_visitor_has_their_own_budget(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The ingress appends the address it saw; whatever the visitor wrote before it chooses nothing.
    first = [ask(f"10.9.9.{i}, 198.51.100.1").status_code for i in range(3)]
    second = ask("198.51.100.2").status_code
    assert first == [400, 400, 429]
    assert second == 400


def test_the_web_page_shares_the_api_budget():
    assert [ask().status_code for _ in range(2)] == [400, 400]
    page = Client().post("/verify/", {"file": SimpleUploadedFile("x.jpg", b"not a photo")})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    # The verify page itself, the sentence on its file field.
    assert 'class="field invalid"' in page.content.decode() and "Too many verifications" in page.content.decode()


def test_the_web_page_alone_is_limited():
    statuses = [
        Client().post("/verify/", {"file": SimpleUploadedFile("x.jpg", b"not a photo")}).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
