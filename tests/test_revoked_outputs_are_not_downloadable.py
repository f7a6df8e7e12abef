"""Once a licence is revoked, no output made under it is handed out again: the download endpoint and
links issued before the revocation both answer 409 `license_revoked`, and each refusal is audited.

Personas: Ada signed the licence and revokes it; Studio rendered under it and tries to download.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from render.models import JobStatus, RenderJob
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def revoke(story) -> None:
    response = story.actor.client().post(
        f"/api/v1/licenses/{story.license.pk}/revoke/", {"reason": "I withdraw consent"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_outputs_of_a_revoked_licence_are_no_longer_downloadable(tmp_path, client):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == JobStatus.COMPLETED
    studio = story.studio.client()
    link = studio.get(f"/api/v1/render-jobs/{job.pk}/download").json()["url"]
    assert client.get(link).status_code == 200, "downloadable while the licence stands"

    revoke(story)

    refused = studio.get(f"/api/v1/render-jobs/{job.pk}/download")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "license_revoked"
    early_link = client.get(link)
    assert early_link.status_code == 409, "a link issued before the revocation no longer works"
    refusals = AuditEntry.objects.filter(target_id=str(job.pk), action="render_job.download_refused")
    assert refusals.count() == 2
    assert {e.data["reason"] for e in refusals} == {"license_revoked"}
    assert {e.actor_label for e in refusals} >= {"download-link"}


def test_outputs_of_a_licence_that_stands_stay_downloadable(tmp_path):
    story = make_render_story(tmp_path)
    job_id = story.submit().json()["id"]
    response = story.studio.client().get(f"/api/v1/render-jobs/{job_id}/download")
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="render_job.download_refused").exists()
