"""Every API failure answers one body: {"error": {"code", "message", "detail"}}.

Personas: a studio member sending broken requests; an anonymous caller.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import make_persona, make_studio

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_malformed_json_is_refused_with_its_own_code():
    studio = make_studio()
    response = studio.client().post("/api/v1/organisations/", data='{"name": "Oops",', content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_a_body_that_is_not_json_is_an_unsupported_media_type():
    studio = make_studio()
    response = studio.client().post("/api/v1/organisations/", data="name=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_invalid_fields_are_listed():
    studio = make_studio()
    response = studio.client().post("/api/v1/organisations/", {"name": "", "kind": "pirate"}, format="json")
    error = assert_error(response, 400, "validation_failed")
    assert set(error["detail"]["fields"]) == {"name", "kind"}


def test_unknown_ids_are_not_found():
    outsider = make_persona("outsider")
    assert_error(outsider.client().get(f"/api/v1/likenesses/{uuid.uuid4()}/"), 404, "not_found")
    assert_error(outsider.client().get(f"/api/v1/organisations/{uuid.uuid4()}/"), 404, "not_found")


def test_unknown_endpoints_answer_the_same_body():
    assert_error(APIClient().get("/api/v1/no-such-thing/"), 404, "not_found")


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token lkp_ZZZZZZZZ_" + "y" * 43)
    assert_error(client.get("/api/v1/likenesses/"), 401, "invalid_token")


def test_a_wrong_method_is_refused():
    outsider = make_persona("outsider")
    assert_error(outsider.client().put("/api/v1/me/", {}, format="json"), 405, "method_not_allowed")


def test_a_conflict_carries_a_specific_code():
    studio = make_studio()
    body = {"name": studio.organisation.name, "kind": "studio"}
    assert_error(studio.client().post("/api/v1/organisations/", body, format="json"), 409, "organisation_exists")


def test_an_unexpected_exception_stays_a_500_with_the_same_body(monkeypatch):
    outsider = make_persona("outsider")

    def explode(user):
        raise RuntimeError("bug")

    monkeypatch.setattr("accounts.api.user_roles", explode)
    client = outsider.client()
    client.raise_request_exception = False
    assert_error(client.get("/api/v1/me/"), 500, "internal_error")
