"""Secrets and biometric data stay where they belong, and the doors that mint or upload are rate limited.

Personas: Ada, who enrols her face and licenses it; a studio that renders, registers a webhook and
issues tokens; an attacker guessing passwords at the sign-in page.

Already proved elsewhere, not repeated here: download links expire
(tests/test_render_downloads_and_uploads.py::test_a_link_past_its_lifetime_is_refused_as_expired) and
the public verifier is rate limited (tests/test_verify_media.py::test_the_public_endpoint_is_rate_limited).
"""

from __future__ import annotations

import base64
import logging
import re

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import ApiToken
from accounts.services import user_create
from licensing.models import WebhookEndpoint
from render.models import RenderJob
from tests.factories import astronaut_photos, make_actor, make_studio, photo_bytes
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db

# Eight or more decimals in a row, as an embedding would print.
FLOAT_RUN = re.compile(r"(-?\d+\.\d{3,}[,\s\]]+){8,}")


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


def biometric_traces(photos: list[bytes]) -> list[str]:
    """Fragments that would betray photo bytes in text: base64, hex and latin-1 renderings."""
    traces = []
    for data in photos:
        middle = data[len(data) // 2 : len(data) // 2 + 48]
        traces += [base64.b64encode(middle).decode()[:40], middle.hex()[:40], middle[:24].decode("latin-1")]
    return traces


def assert_clean(text: str, photos: list[bytes]) -> None:
    assert not FLOAT_RUN.search(text), FLOAT_RUN.search(text)
    for trace in biometric_traces(photos):
        assert trace not in text


def test_enrolment_and_rendering_log_no_biometric_data(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    photos = [p.data for p in astronaut_photos()]
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit().json()["id"])
    assert job.status == "completed"
    # A second actor enrols the same face through the API (it is frozen as a duplicate: more logging).
    actor = make_actor()
    uploads = {"photos": [SimpleUploadedFile(f"p{i}.png", d) for i, d in enumerate(photos)]}
    response = actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/", uploads, format="multipart")
    assert response.status_code == 200, response.content
    assert_clean(response.content.decode(), photos)
    logged = "\n".join(record.getMessage() + repr(record.args) + repr(record.__dict__) for record in caplog.records)
    assert len(caplog.records) > 3
    assert_clean(logged, photos)


def test_a_refused_enrolment_answers_without_biometric_data():
    blank = photo_bytes(np.full((300, 300, 3), 200, dtype=np.uint8))
    photos = [p.data for p in astronaut_photos()[:1]] + [blank]
    actor = make_actor()
    uploads = {"photos": [SimpleUploadedFile(f"p{i}.png", d) for i, d in enumerate(photos)]}
    response = actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/enrolment/", uploads, format="multipart")
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) == {"code", "message", "detail"}
    assert_clean(response.content.decode(), photos)


def test_api_tokens_are_stored_only_as_hashes():
    actor = make_actor()
    plaintext = actor.client().post("/api/v1/tokens/", {"name": "ci"}, format="json").json()["token"]
    secret_part = plaintext.rsplit("_", 1)[-1]
    for row in ApiToken.objects.values():
        assert all(secret_part not in str(value) for value in row.values()), row


def test_webhook_secrets_are_stored_encrypted():
    studio = make_studio()
    body = {"url": "https://hooks.example.com/in", "organisation_id": str(studio.organisation.pk)}
    secret = studio.client().post("/api/v1/webhooks/", body, format="json").json()["secret"]
    row = WebhookEndpoint.objects.values().get()
    assert all(
        secret.encode() not in (bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode())
        for v in row.values()
    )
    assert secret.removeprefix("whsec_").encode() not in bytes(row["encrypted_secret"])


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_token_issuance_is_rate_limited(settings):
    settings.TOKEN_ISSUE_RATE = "2/hour"
    client = make_actor().client()
    responses = [client.post("/api/v1/tokens/", {"name": f"t{i}"}, format="json") for i in range(3)]
    assert [r.status_code for r in responses[:2]] == [201, 201]
    assert_throttled(responses[2])
    assert client.get("/api/v1/tokens/").status_code == 200  # listing is not limited


def test_render_job_submission_is_rate_limited(settings, tmp_path):
    story = make_render_story(tmp_path, enrol=False)
    settings.RENDER_SUBMIT_RATE = "1/minute"
    body = {"license_id": str(story.license.pk), "purpose": "film", "territory": "FR"}
    first = story.studio.client().post("/api/v1/render-jobs/", {**body, "file": story.upload()}, format="multipart")
    assert first.status_code == 201
    second = story.studio.client().post("/api/v1/render-jobs/", {**body, "file": story.upload()}, format="multipart")
    assert_throttled(second)


def test_failed_sign_ins_are_rate_limited_but_a_right_password_is_not_slowed(settings):
    settings.LOGIN_FAILURE_RATE = "3/minute"
    user = user_create(username="ada-signin")
    user.set_password("right horse battery")
    user.save()
    for _ in range(3):
        assert Client().post("/sign-in/", {"username": "ada-signin", "password": "wrong"}).status_code == 200
    refused = Client().post("/sign-in/", {"username": "ada-signin", "password": "right horse battery"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    cache.clear()
    assert Client().post("/sign-in/", {"username": "ada-signin", "password": "right horse battery"}).status_code == 302
