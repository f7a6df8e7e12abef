# ruff: noqa: RUF001 - Chinese dates with their own punctuation
"""Dates and times read the way the reader's language writes them, times with their timezone (the
platform's, UTC): no page shows a bare "2026-11-02 14:05". Machine-readable places (the CSV export,
signed documents, the API) keep ISO 8601.

Personas: Ada (an actor) signed a licence for Studio on 2 November 2026 at 14:05 UTC; she reads her
receipt, her inbox and the notice that the licence ends soon, once in English and once in Chinese.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import Notification
from accounts.notifications import notification_text
from licensing.tasks import license_expiring_notify_task
from tests.factories import make_licensed_story
from web.templatetags.web import moment

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 11, 2, 14, 5, 9, tzinfo=UTC)


def reader(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_moment_is_written_in_the_readers_language_with_its_timezone() -> None:
    with translation.override("en"):
        assert moment(SIGNED) == "Nov. 2, 2026, 14:05 UTC"
        assert moment(SIGNED, "seconds") == "Nov. 2, 2026, 14:05:09 UTC"
    with translation.override("zh-hans"):
        assert moment(SIGNED) == "2026年11月2日 14:05（UTC）"
    assert moment(None) == ""


@pytest.mark.parametrize(
    ("language", "signed", "term", "requested"),
    [
        ("en", "Nov. 2, 2026, 14:05 UTC", ("Nov. 2, 2026", "Dec. 2, 2026"), "Nov. 2, 2026, 14:05 UTC"),
        ("zh-hans", "2026年11月2日 14:05（UTC）", ("2026年11月2日", "2026年12月2日"), "2026年11月2日 14:05（UTC）"),
    ],
)
def test_her_receipt_and_inbox_show_dates_in_her_language(
    clock, language: str, signed: str, term: tuple[str, str], requested: str
) -> None:
    clock.set(SIGNED.replace(second=0))
    story = make_licensed_story()

    receipt = reader(story.actor.user, language).get(f"/licences/{story.license.pk}/receipt/")
    assert receipt.status_code == 200
    page = receipt.content.decode()
    assert signed in page
    assert all(f"<dd>{day}</dd>" in page for day in term)
    assert "2026-11-02" not in page and "2026-12-02" not in page

    inbox = reader(story.actor.user, language).get("/inbox/").content.decode()
    assert requested in inbox and "2026-11-02" not in inbox


def test_the_notice_that_a_licence_ends_soon_names_the_day_in_her_language(clock, settings) -> None:
    settings.LICENSE_EXPIRING_NOTICE_DAYS = 7
    clock.set(SIGNED)
    story = make_licensed_story()  # ends on 2 December
    clock.advance(timedelta(days=24))
    assert license_expiring_notify_task.apply().get() == 1
    notice = Notification.objects.get(recipient=story.actor.user, kind="license.expiring")
    assert notice.params["until"] == "2026-12-02", "stored language-free, in ISO"
    with translation.override("en"):
        assert notification_text(notice).endswith("ends on Dec. 2, 2026.")
    with translation.override("zh-hans"):
        assert "2026年12月2日" in notification_text(notice) and "2026-12-02" not in notification_text(notice)
