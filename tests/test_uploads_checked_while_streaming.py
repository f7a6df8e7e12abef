"""Uploads are checked as they stream in, before anything is spooled, read into memory or stored.

Personas: a prankster posting oversized and mistyped bodies to the public verifier; Ada, an actor
enrolling her likeness (and retrying too often); a studio whose upload the licence gate refuses.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from rest_framework.test import APIClient

from config.uploads import LimitedUploadHandler
from likeness.models import Likeness, LikenessStatus
from render.models import JobStatus, RenderJob
from tests.factories import make_actor
from tests.render_checks import stored_files
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def spy(handler: type, method: str = "receive_data_chunk"):
    return mock.patch.object(handler, method, autospec=True, side_effect=getattr(handler, method))


def verify(data: bytes, name: str = "x.jpg"):
    return APIClient().post("/api/v1/verify", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_a_body_over_the_limit_is_refused_before_a_byte_of_it_is_kept(settings):
    settings.VERIFY_MAX_BYTES = 4096
    with spy(MemoryFileUploadHandler) as memory, spy(TemporaryFileUploadHandler) as spool:
        response = verify(b"\xff\xd8\xff" + b"\x00" * 1_000_000)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "media_too_large" and error["detail"]["max_bytes"] > 4096
    assert memory.call_count == 0 and spool.call_count == 0


def test_a_file_of_the_wrong_type_is_refused_at_its_first_bytes(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file would be spooled to disk
    with spy(TemporaryFileUploadHandler) as spool:
        response = verify(b"<html>not a photo at all</html>\n" * 100_000, "x.jpg")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "media_unsupported_type"
    assert spool.call_count == 0


def test_one_photo_over_its_limit_among_several_is_cut_off(settings):
    settings.LIKENESS_PHOTO_MAX_BYTES = 10_000
    ada = make_actor("ada")
    photos = [SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * n) for n in (2_000, 20_000)]
    response = ada.client().post(
        f"/api/v1/likenesses/{ada.likeness.pk}/enrolment/", {"photos": photos}, format="multipart"
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "image_too_large"


def test_enrolling_a_likeness_that_is_not_a_draft_reads_none_of_the_photos():
    ada = make_actor("ada")
    Likeness.objects.filter(pk=ada.likeness.pk).update(status=LikenessStatus.ENROLLED)
    photo = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 1_000_000)
    with spy(LimitedUploadHandler) as received:
        response = ada.client().post(
            f"/api/v1/likenesses/{ada.likeness.pk}/enrolment/", {"photos": [photo]}, format="multipart"
        )
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_a_draft"
    assert received.call_count == 0


def test_enrolment_is_rate_limited_per_user(settings):
    settings.ENROL_RATE = "2/minute"
    ada = make_actor("ada")
    path = f"/api/v1/likenesses/{ada.likeness.pk}/enrolment/"
    statuses = [
        ada.client().post(path, {"photos": [SimpleUploadedFile("a.txt", b"text")]}, format="multipart").status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
    browser = Client()
    browser.force_login(ada.user)
    page = browser.post(f"/likenesses/{ada.likeness.pk}/enrol/", {"photos": [SimpleUploadedFile("a.txt", b"x")]})
    assert page.status_code == 429  # the web page counts against the same limit
    # ...and answers with her likeness page and the sentence, in her language: never a bare text page.
    assert (
        "Too many enrolment attempts" in page.content.decode()
        and f"/likenesses/{ada.likeness.pk}/" in page.content.decode()
    )
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(ada.user)
    again = chinese.post(f"/likenesses/{ada.likeness.pk}/enrol/", {"photos": [SimpleUploadedFile("a.txt", b"x")]})
    assert again.status_code == 429 and "登记尝试次数过多" in again.content.decode()


def test_an_upload_the_gate_refused_is_deleted(tmp_path, clock):
    story = make_render_story(tmp_path, enrol=False)
    job_id = story.submit(territory="US").json()["id"]  # outside the licence's territories
    job = RenderJob.objects.get(pk=job_id)
    assert job.status == JobStatus.REFUSED
    assert stored_files("uploads") == []
