"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) against pytest-django's live server.

Every story commits real data (the live server runs in another thread, on its own connection), so
each test uses `committed_db`, which purges the append-only audit table after the test. Celery
runs tasks inline here, so a submitted render completes within the request that submits it.
Screenshots go to artifacts/screenshots/<story>-<step>.png for reviewers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct horse battery staple 42"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def allow_sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
    browser steps are ordinary synchronous calls, so Django's async-safety guard is told so while
    the browser is up, and only then (left set, it leaks into e.g. `check --deploy` subprocesses)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium(allow_sync_orm_beside_playwright: None) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any, committed_db: None) -> Iterator[Any]:
    context = chromium.new_context(
        base_url=live_server.url, accept_downloads=True, viewport={"width": 1100, "height": 900}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def shoot(page: Any, story: str, step: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{story}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, user: Any) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
