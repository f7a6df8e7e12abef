"""Every completed render accrues its licence's per-render fee on a ledger both parties see.

Personas: Ada licensed her likeness to Studio at 25.00 EUR per render; Studio renders a still of
Rights' film. Ada and Studio each see the fee (page, CSV, API), per licence and per month; an
outsider sees nothing. A task delivered twice accrues the fee once.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from audit.models import AuditEntry
from render.execution import render_job_execute
from render.fees import minor_units, render_fee_accrue
from render.models import JobStatus, RenderFee, RenderJob
from render.tasks import render_job_run
from tests.factories import make_persona
from tests.render_story import RenderStory, make_render_story

pytestmark = pytest.mark.django_db


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def render_one(story: RenderStory) -> RenderJob:
    response = story.submit()
    assert response.status_code == 201, response.content
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.COMPLETED
    return job


def csv_rows(response) -> list[dict[str, str]]:
    """The rows of a CSV answer, which streams (every row, never held whole)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_a_completed_render_accrues_the_fee_once_even_when_its_task_runs_twice(tmp_path, clock):
    story = make_render_story(tmp_path)
    job = render_one(story)

    render_job_execute(job.pk)  # the broker delivers the task again
    render_job_run.apply(args=[str(job.pk)])  # and once more through Celery
    render_fee_accrue(job)  # and the accrual itself is called again

    fees = list(RenderFee.objects.filter(job=job))
    assert [(f.amount_minor, f.currency, f.license_id) for f in fees] == [(2500, "EUR", story.license.pk)]
    assert fees[0].accrued_at == job.finished_at  # written with the completion, in its transaction
    completed = AuditEntry.objects.get(target_id=str(job.pk), action="render_job.completed")
    assert completed.data["fee"] == {"amount_minor": 2500, "currency": "EUR"}


def test_actor_and_studio_see_the_ledger_per_licence_and_month_and_an_outsider_sees_nothing(tmp_path, clock):
    clock.set(clock.now().replace(day=25, hour=12))
    story = make_render_story(tmp_path)
    first = render_one(story)
    clock.advance(timedelta(days=10))  # the next render falls in the next month, within the licence's term
    second = render_one(story)
    first_month = first.finished_at.strftime("%Y-%m")
    outsider = make_persona("outsider")

    for persona in (story.actor, story.studio):
        ledger = persona.client().get("/api/v1/fees", {"license": str(story.license.pk)}).json()
        assert sorted(row["job_id"] for row in ledger["fees"]) == sorted([str(first.pk), str(second.pk)])
        assert ledger["totals"] == [{"currency": "EUR", "renders": 2, "amount": "50.00", "amount_minor": 5000}]
        month = persona.client().get("/api/v1/fees", {"month": first_month}).json()
        assert [row["job_id"] for row in month["fees"]] == [str(first.pk)]

        page = web_client(persona.user).get("/fees/", {"license": str(story.license.pk)})
        assert page.status_code == 200
        assert str(first.pk)[:8] in page.content.decode() and "50.00 EUR" in page.content.decode()

        exported = web_client(persona.user).get("/fees.csv", {"month": first_month})
        assert exported["Content-Type"].startswith("text/csv")
        rows = csv_rows(exported)
        assert [(r["job_id"], r["amount"], r["currency"], r["amount_minor"]) for r in rows] == [
            (str(first.pk), "25.00", "EUR", "2500")
        ]

    assert outsider.client().get("/api/v1/fees").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "fees": [],
        "totals": [],
    }
    assert csv_rows(web_client(outsider.user).get("/fees.csv")) == []
    assert csv_rows(outsider.client().get("/api/v1/fees", {"format": "csv"})) == []


def test_a_malformed_month_or_licence_filter_is_refused_with_its_code(tmp_path, clock):
    story = make_render_story(tmp_path, enrol=False)
    response = story.studio.client().get("/api/v1/fees", {"month": "2026-13"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "month_invalid")
    response = story.studio.client().get("/api/v1/fees", {"license": "not-a-uuid"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "license_id_invalid")
    assert web_client(story.studio.user).get("/fees/", {"month": "May"}).status_code == 400


def test_a_licence_without_a_fee_accrues_nothing(tmp_path, clock):
    story = make_render_story(tmp_path, fee_per_render=None)
    job = render_one(story)
    assert not RenderFee.objects.filter(job=job).exists()


def test_minor_units_follow_the_currency():
    assert minor_units("25.00", "EUR") == 2500
    assert minor_units("300", "JPY") == 300
    assert minor_units("1.50", "KWD") == 1500
