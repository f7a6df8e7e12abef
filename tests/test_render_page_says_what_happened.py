"""After submitting a render on the page, the studio is told what happened, and only that.

On the embedded defaults tasks run inline, so the gate has already decided when the job's page
opens. A job it refused must not arrive under a "Render job submitted." note: the page says it
was refused and why. Personas: a studio with a licence for France, Germany and Britain.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

import render.submission
from render.models import JobStatus, RenderJob
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_run_when_submitted(monkeypatch):
    """A test's transaction never commits, so the job queued on commit would never run; on the
    embedded defaults it runs at once, inside the submitting request. Run it where it is queued."""

    class RunAtOnce:
        atomic = staticmethod(transaction.atomic)

        @staticmethod
        def on_commit(callback, using=None, robust=False):
            callback()

    monkeypatch.setattr(render.submission, "transaction", RunAtOnce)


def submit(story, *, territory: str):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(story.studio.user)
    return client.post(
        "/renders/",
        {
            "license": str(story.license.pk),
            "file": SimpleUploadedFile("hopper.jpg", story.still, content_type="image/jpeg"),
            "purpose": "film",
            "territory": territory,
            "faces": "all",
        },
        follow=True,
    )


def test_a_render_the_gate_refuses_is_not_announced_as_submitted(tmp_path):
    story = make_render_story(tmp_path, enrol=False)
    page = submit(story, territory="JP")  # the licence covers FR, DE and GB only
    job = RenderJob.objects.get(studio=story.studio.organisation)
    assert job.status == JobStatus.REFUSED
    text = page.content.decode()
    assert page.status_code == 200 and f"/renders/{job.pk}/" in page.redirect_chain[-1][0]
    assert "Render job submitted." not in text
    assert str(JobStatus.REFUSED.label) in text


def test_a_render_the_gate_lets_through_is_announced_as_submitted(tmp_path):
    story = make_render_story(tmp_path)
    page = submit(story, territory="FR")
    job = RenderJob.objects.get(studio=story.studio.organisation)
    assert job.status == JobStatus.COMPLETED
    assert "Render job submitted." in page.content.decode()
