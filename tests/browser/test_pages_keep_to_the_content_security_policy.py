"""With the production security headers on, every kind of page still works in a real browser and
the browser reports no Content-Security-Policy violation: the web pages, the admin and its audit
review, and the API's Swagger page (the one place allowed an inline script).

Persona: an admin who visits them all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from config.security_headers import CONTENT_SECURITY_POLICY
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/verify/",
    "/licences/",
    "/renders/",
    "/works/",
    "/inbox/",
    "/fees/",
    "/staff/enrolments/",
    "/admin/",
    "/admin/audit/auditentry/review/",
]


def test_pages_work_under_the_policy_with_no_violation(page: Any, settings: Any) -> None:
    settings.SECURITY_HEADERS = True
    admin = get_user_model().objects.create_superuser(username="csp-admin", email="a@example.org", password="x")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    sign_in(page, admin)
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        headers = response.all_headers()
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "camera=(self)" in headers["permissions-policy"], path
    shoot(page, "csp", "audit-review")
    page.goto("/verify/")
    page.select_option("#language", "zh-hans")  # the selector submits itself through site.js, not inline script
    page.wait_for_selector("html[lang^='zh']", state="attached")  # a selector, not eval: the page's CSP forbids eval
    page.select_option("#language", "en")
    page.wait_for_selector("html[lang='en']", state="attached")
    page.goto("/api/v1/docs/")
    page.wait_for_selector("#swagger-ui .information-container", timeout=30_000)
    assert violations == []


def test_without_the_setting_no_policy_is_sent(client: Any, settings: Any, db: None) -> None:
    settings.SECURITY_HEADERS = False
    response = client.get("/verify/")
    assert "Content-Security-Policy" not in response.headers
