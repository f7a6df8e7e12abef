"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) against pytest-django's live server.

Every story commits real data (the live server runs in another thread, on its own connection), so
each test uses `committed_db`, which purges the append-only audit table after the test. Celery
runs tasks inline here, so a submitted render completes within the request that submits it.
Screenshots go to artifacts/screenshots/<story>-<step>.png for reviewers.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

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


@dataclass(frozen=True)
class Reader:
    """One cell of the journey matrix: the language the person reads and the screen she reads it on."""

    language: str
    device: str
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.language}-{self.device}"

    @property
    def viewport(self) -> dict[str, int]:
        return {"width": self.width, "height": self.height}

    def t(self, english: str) -> str:
        """The words the page shows for `english` in this reader's language (the catalogue's own
        translation, so a selector follows the page rather than a second copy of the Chinese)."""
        with translation.override(self.language):
            return translation.gettext(english)

    def tn(self, singular: str, plural: str, count: int) -> str:
        with translation.override(self.language):
            return translation.ngettext(singular, plural, count) % {"n": count, "count": count}


READERS = [
    Reader("en", "desktop", 1100, 900),
    Reader("en", "phone", 390, 844),
    Reader("zh-hans", "desktop", 1100, 900),
    Reader("zh-hans", "phone", 390, 844),
]


@pytest.fixture(params=READERS, ids=[reader.name for reader in READERS])
def reader(request: pytest.FixtureRequest) -> Reader:
    chosen: Reader = request.param
    return chosen


@pytest.fixture
def reader_page(chromium: Any, live_server: Any, committed_db: None, reader: Reader) -> Iterator[Any]:
    """A page in the reader's language (the language cookie, as the site's selector sets it) and size."""
    context = chromium.new_context(
        base_url=live_server.url,
        accept_downloads=True,
        viewport=reader.viewport,
        locale="zh-CN" if reader.language == "zh-hans" else "en-GB",
    )
    context.add_cookies([{"name": "django_language", "value": reader.language, "url": live_server.url}])
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


CATALOGUE = Path(__file__).resolve().parents[2] / "web" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}")


@cache
def english_phrases() -> tuple[str, ...]:
    """Every English phrase of two words or more the catalogue translates: on a zh-hans page, any of
    them in the visible text is an untranslated string (templates, choices, scope sentences, refusals)."""
    with CATALOGUE.open("rb") as handle:
        catalogue: dict[Any, str] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    phrases: set[str] = set()
    for msgid, msgstr in catalogue.items():
        if not isinstance(msgid, str) or not msgid or msgid == msgstr:
            continue
        for piece in _PLACEHOLDER.split(msgid):
            fragment = piece.strip(" .,:;()\"'\n")
            if len(re.findall(r"[A-Za-z]{2,}", fragment)) >= 2:
                phrases.add(fragment)
    return tuple(sorted(phrases, key=len, reverse=True))


def assert_reads_in_language(page: Any, reader: Reader) -> None:
    """The page as this reader sees it: in her language (no catalogue English on a zh-hans page) and,
    on a phone, without sideways scrolling."""
    assert page.locator("html").get_attribute("lang") == reader.language
    if reader.language == "zh-hans":
        text = page.locator("body").inner_text()
        english = [phrase for phrase in english_phrases() if phrase in text]
        assert english == [], f"English on a zh-hans page {page.url}: {english[:5]}"
    if reader.device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= reader.width + 1, "sideways scrolling"


def shoot(page: Any, story: str, step: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{story}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, user: Any, reader: Reader | None = None) -> None:
    t = reader.t if reader else str
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/sign-in/")
    page.get_by_label(t("Username")).fill(user.get_username())
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/")


def sign_out(page: Any, reader: Reader | None = None) -> None:
    t = reader.t if reader else str
    page.get_by_role("button", name=t("Sign out")).click()
    page.wait_for_url("**/sign-in/")
