"""When the cache that holds rate-limit counters is down, requests degrade, never 500.

Personas: a studio submitting a render and a journalist verifying a file while Redis (the cache of the
documented deployment, shared with the broker) is unreachable; a visitor mistyping a password.
Limits fail open: the request goes through, a warning is logged and a metric counts it.
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_down(settings):
    # A port nothing listens on: every cache call is refused at once.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/1"}
    }


def unchecked(scope: str) -> float:
    return REGISTRY.get_sample_value("likeness_rate_limit_unavailable_total", {"scope": scope}) or 0.0


def test_a_render_submission_is_accepted_while_the_cache_is_down(tmp_path, caplog):
    story = make_render_story(tmp_path, enrol=False)
    before = unchecked("render-submit")
    with caplog.at_level(logging.WARNING, logger="config.throttling"):
        response = story.submit()
    assert response.status_code == 201, response.content
    assert unchecked("render-submit") == before + 1
    assert any("render-submit" in record.getMessage() for record in caplog.records)


def test_the_public_verifier_answers_while_the_cache_is_down():
    before = unchecked("verify")
    upload = SimpleUploadedFile("x.jpg", b"not a photo")
    response = APIClient().post("/api/v1/verify", {"file": upload}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "media_unsupported_type"
    page = Client().post("/verify/", {"file": SimpleUploadedFile("x.jpg", b"not a photo")})
    assert page.status_code == 400
    assert unchecked("verify") == before + 2


def test_a_failed_sign_in_is_answered_while_the_cache_is_down():
    before = unchecked("sign-in")
    response = Client().post("/sign-in/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200  # the form again, with its error
    assert unchecked("sign-in") >= before + 1
