"""A studio sees each licence's live state wherever it meets it: the licence list labels licences by
work, party and dates; the render form lists a licence that cannot be used as disabled, with the
reason, and refuses one submitted anyway next to the field (in the reader's language); the job page
marks an output made under a since-revoked licence as revoked and offers no download.

Personas: Ada signed and then revoked; Studio holds the licence.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.formats import date_format

from licensing.lifecycle import license_revoke
from render.models import JobStatus, RenderJob
from tests.factories import make_licensed_story
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def option_of(page: str, license_id: object) -> str:
    found = re.search(rf'<option value="{license_id}"[^>]*>[^<]*</option>', page)
    assert found, "the licence is listed"
    return found.group(0)


def test_a_usable_licence_is_offered_and_labelled_by_work_owner_and_end_date(client):
    story = make_licensed_story()
    client.force_login(story.studio.user)
    option = option_of(client.get("/renders/").content.decode(), story.license.pk)
    assert "disabled" not in option
    assert story.work.title in option and "Ada Person" in option
    assert date_format(story.license.valid_until, "DATE_FORMAT") in option  # the end date in the reader's words


def test_a_revoked_licence_is_listed_disabled_with_the_reason(client):
    story = make_licensed_story()
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    client.force_login(story.studio.user)
    option = option_of(client.get("/renders/").content.decode(), story.license.pk)
    assert "disabled" in option
    assert "The owner revoked this licence" in option


@pytest.mark.parametrize(
    ("language", "refusal"),
    [("en", "The owner revoked this licence; no further renders are allowed."), ("zh-hans", "肖像所有人已撤销此许可")],
)
def test_a_form_filled_before_the_revocation_is_refused_next_to_the_field(language, refusal):
    story = make_licensed_story()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(story.studio.user)
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    answer = client.post(
        "/renders/",
        {
            "license": str(story.license.pk),
            "file": SimpleUploadedFile("still.jpg", b"\xff\xd8\xff", content_type="image/jpeg"),
            "purpose": "film",
            "territory": "FR",
            "faces": "largest",
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert refusal in page
    assert "Select a valid choice" not in page and "is not one of the available choices" not in page
    assert not RenderJob.objects.exists()


def test_the_licence_list_labels_each_licence_by_work_party_dates_and_live_status(client):
    story = make_licensed_story()
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    client.force_login(story.studio.user)
    page = client.get("/licences/").content.decode()
    assert story.work.title in page
    assert "Ada Person" in page and story.studio.organisation.name in page
    start, end = (date_format(d, "DATE_FORMAT") for d in (story.license.valid_from, story.license.valid_until))
    assert f"{start} to {end}" in page  # dates in words, in the reader's language
    assert 'class="badge status-revoked"' in page


def test_an_output_under_a_revoked_licence_is_marked_revoked_and_has_no_download(tmp_path, client):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED
    client.force_login(story.studio.user)
    assert "Download the output" in client.get(f"/renders/{job.pk}/").content.decode()

    license_revoke(license=story.license, reason="", actor=story.actor.user)
    page = client.get(f"/renders/{job.pk}/").content.decode()
    assert "Download the output" not in page
    assert "Revoked: this output may no longer be used" in page
    state = client.get(f"/renders/{job.pk}/state.json").json()
    assert state["download"] is None and state["licence_revoked"] is True
    assert "Licence revoked" in client.get("/renders/").content.decode()


def test_a_licence_past_its_term_reads_expired_before_the_sweep_runs(client, clock):
    from datetime import timedelta

    story = make_licensed_story()
    clock.advance(timedelta(days=31))
    client.force_login(story.studio.user)
    page = client.get("/licences/").content.decode()
    assert 'class="badge status-expired"' in page and 'class="badge status-active"' not in page
    option = option_of(client.get("/renders/").content.decode(), story.license.pk)
    assert "disabled" in option and "The licence&#x27;s term has ended." in option
