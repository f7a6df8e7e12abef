"""Failed sign-ins are limited per client address and per account, on the web page and the admin login.

Personas: Ada, an actor with an account; an attacker guessing her password from many addresses (a
botnet), or guessing many accounts from one address; an admin whose login page gets the same limits.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from accounts.services import user_create

pytestmark = pytest.mark.django_db

PASSWORD = "right horse battery"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    # Asks for `settings` so that a test's own cache override is undone before the counters are cleared.
    cache.clear()
    yield


def person(username: str, *, staff: bool = False):
    user = user_create(username=username)
    user.set_password(PASSWORD)
    user.is_staff = user.is_superuser = staff
    user.save()
    return user


def attempt(path: str, username: str, password: str, address: str) -> int:
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password}).status_code


def test_guessing_one_account_from_many_addresses_locks_that_account_only(settings):
    settings.LOGIN_FAILURE_RATE = "100/minute"
    settings.LOGIN_ACCOUNT_FAILURE_RATE = "5/hour"
    person("ada")
    person("grace")
    for n in range(5):
        assert attempt("/sign-in/", "ada", "wrong", f"203.0.113.{n}") == 200
    assert attempt("/sign-in/", "ADA", PASSWORD, "198.51.100.1") == 429  # case does not dodge the count
    assert attempt("/sign-in/", "grace", PASSWORD, "203.0.113.1") == 302


def test_guessing_many_accounts_from_one_address_locks_that_address_only(settings):
    settings.LOGIN_FAILURE_RATE = "3/minute"
    settings.LOGIN_ACCOUNT_FAILURE_RATE = "100/hour"
    person("ada")
    for name in ("bob", "carol", "dave"):
        assert attempt("/sign-in/", name, "wrong", "203.0.113.9") == 200
    assert attempt("/sign-in/", "ada", PASSWORD, "203.0.113.9") == 429
    assert attempt("/sign-in/", "ada", PASSWORD, "198.51.100.7") == 302


def test_a_blocked_sign_in_is_the_sign_in_page_with_a_sentence_in_the_readers_language(settings):
    settings.LOGIN_FAILURE_RATE = "1/minute"
    person("ada")
    attempt("/sign-in/", "ada", "wrong", "203.0.113.8")
    blocked = Client(REMOTE_ADDR="203.0.113.8", HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/sign-in/", {"username": "ada", "password": PASSWORD}
    )
    page = blocked.content.decode()
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert 'id="id_username"' in page and 'lang="zh-hans"' in page, "the form again, not a bare text page"
    with translation.override("zh-hans"):
        assert translation.gettext("Too many failed sign-ins; try again later.") in page


def test_the_admin_login_has_the_same_limits(settings):
    settings.LOGIN_FAILURE_RATE = "3/minute"
    person("root", staff=True)
    for _ in range(3):
        assert attempt("/admin/login/", "root", "wrong", "203.0.113.5") == 200
    response = Client(REMOTE_ADDR="203.0.113.5").post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert attempt("/admin/login/", "root", PASSWORD, "198.51.100.2") == 302


def test_a_right_password_is_never_counted(settings):
    settings.LOGIN_FAILURE_RATE = "2/minute"
    settings.LOGIN_ACCOUNT_FAILURE_RATE = "2/hour"
    person("ada")
    for _ in range(5):
        assert attempt("/sign-in/", "ada", PASSWORD, "203.0.113.3") == 302


def test_an_unreachable_cache_lets_sign_ins_through_with_a_log_line(settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    person("ada")
    assert attempt("/sign-in/", "ada", "wrong", "203.0.113.4") == 200
    assert attempt("/sign-in/", "ada", PASSWORD, "203.0.113.4") == 302
    assert any("rate limit sign-in not checked" in r.getMessage() for r in caplog.records)
