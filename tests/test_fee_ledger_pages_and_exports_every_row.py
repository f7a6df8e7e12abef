# ruff: noqa: RUF001 - Chinese sentences with their own punctuation
"""A long fee ledger is paged on the page, totalled over every row, and exported whole.

Personas: Ada licensed her likeness to Studio at 25.00 EUR per render; Studio has rendered 120 times
over two months (the ledger rows are seeded as the accrual writes them: one per completed job).
Ada reads the ledger a page at a time (50 rows, the API's page size) in English and in Chinese;
the totals count all 120 renders on every page; the CSV (page and API) holds all 120 rows, streamed.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client

from render.models import JobStatus, RenderFee, RenderJob
from tests.factories import LicensedStory, make_licensed_story

pytestmark = pytest.mark.django_db

RENDERS = 120
IN_FIRST_MONTH = 70


def reader(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def seed_ledger(story: LicensedStory, clock) -> list[RenderFee]:
    start = clock.now().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    fees = []
    for i in range(RENDERS):
        at = start + timedelta(hours=i) if i < IN_FIRST_MONTH else start + timedelta(days=40, hours=i)
        job = RenderJob.objects.create(
            studio=story.studio.organisation,
            submitted_by=story.studio.user,
            license=story.license,
            requested_license_id=story.license.pk,
            target_name=f"targets/{uuid.uuid4()}.png",
            target_sha256="0" * 64,
            media_type="image",
            purpose="film",
            territory="FR",
            status=JobStatus.COMPLETED,
            created_at=at,
            finished_at=at,
        )
        fees.append(RenderFee(job=job, license=story.license, amount_minor=2500, currency="EUR", accrued_at=at))
    return RenderFee.objects.bulk_create(fees)


def streamed_rows(response) -> list[dict[str, str]]:
    assert response.streaming, "the CSV streams: every row, never held whole"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(
    ("language", "first_page", "last_page", "total", "next_link"),
    [
        ("en", "Page 1 of 3 (120 fees)", "Page 3 of 3 (120 fees)", "3000.00 EUR for 120 renders", "Next page"),
        (
            "zh-hans",
            "第 1 页，共 3 页（120 笔费用）",
            "第 3 页，共 3 页（120 笔费用）",
            "120 次渲染共 3000.00 EUR",
            "下一页",
        ),
    ],
)
def test_the_ledger_is_paged_and_totalled_over_every_row(  # noqa: PLR0917
    clock, language: str, first_page: str, last_page: str, total: str, next_link: str
) -> None:
    story = make_licensed_story()
    seed_ledger(story, clock)
    ada = reader(story.actor.user, language)

    first = ada.get("/fees/")
    assert first.status_code == 200
    page = first.content.decode()
    assert page.count("<tr><td data-label=") == 50
    assert first_page in page and total in page
    assert f'href="?license=&amp;month=&amp;page=2" rel="next" id="fee-page-next">{next_link}</a>' in page

    last = ada.get("/fees/", {"page": 3}).content.decode()
    assert last.count("<tr><td data-label=") == RENDERS - 100
    assert last_page in last and total in last, "the totals count every row, not the page's"
    assert 'id="fee-page-next"' not in last and 'id="fee-page-previous"' in last

    beyond = ada.get("/fees/", {"page": 99}).content.decode()
    assert last_page in beyond, "a page past the end shows the last one"


def test_a_filtered_ledger_keeps_its_filter_across_pages(clock) -> None:
    story = make_licensed_story()
    fees = seed_ledger(story, clock)
    month = fees[0].accrued_at.strftime("%Y-%m")
    page = reader(story.studio.user).get("/fees/", {"month": month}).content.decode()
    assert "Page 1 of 2 (70 fees)" in page and "1750.00 EUR for 70 renders" in page
    assert f'href="?license=&amp;month={month}&amp;page=2"' in page


def test_the_csv_holds_every_row_on_the_page_and_in_the_api(clock) -> None:
    story = make_licensed_story()
    fees = seed_ledger(story, clock)

    exported = reader(story.studio.user).get("/fees.csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = streamed_rows(exported)
    assert len(rows) == RENDERS
    assert sorted(r["job_id"] for r in rows) == sorted(str(f.job_id) for f in fees)
    assert rows[0]["accrued_at"] == fees[0].accrued_at.isoformat().replace("+00:00", "Z"), "ISO, oldest first"

    api = story.studio.client().get("/api/v1/fees", {"format": "csv"})
    assert len(streamed_rows(api)) == RENDERS


def test_a_refused_csv_filter_answers_the_apis_json_error(clock) -> None:
    story = make_licensed_story()
    refused = story.studio.client().get("/api/v1/fees", {"format": "csv", "month": "2026-13"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "month_invalid")


def test_the_api_pages_the_ledger_and_totals_every_row(clock) -> None:
    story = make_licensed_story()
    fees = seed_ledger(story, clock)
    studio = story.studio.client()

    first = studio.get("/api/v1/fees").json()
    assert (first["count"], len(first["fees"]), first["previous"]) == (RENDERS, 50, None)
    assert first["totals"] == [{"currency": "EUR", "renders": RENDERS, "amount": "3000.00", "amount_minor": 300000}]

    seen = [row["job_id"] for row in first["fees"]]
    url = first["next"]
    while url:
        page = studio.get(url).json()
        assert page["totals"] == first["totals"], "the totals count every row, not the page's"
        seen += [row["job_id"] for row in page["fees"]]
        url = page["next"]
    assert sorted(seen) == sorted(str(f.job_id) for f in fees), "every fee once, none beyond a cap"

    bigger = studio.get("/api/v1/fees", {"page_size": 500}).json()
    assert len(bigger["fees"]) == RENDERS and bigger["next"] is None
