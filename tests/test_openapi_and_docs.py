"""The API describes itself: an OpenAPI document at /api/v1/schema/ and browsable docs at /api/v1/docs/."""

from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_and_lists_the_endpoints():
    response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    for path in [
        "/api/v1/me/",
        "/api/v1/tokens/",
        "/api/v1/likenesses/",
        "/api/v1/organisations/",
        "/api/v1/audit/entries/",
        "/api/v1/audit/verify/",
    ]:
        assert path in schema["paths"], path


def test_the_docs_page_loads_its_assets_locally_not_from_a_cdn():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    asset = next(part.split('"')[0] for part in page.split('src="')[1:] if "swagger-ui" in part)
    assert Client().get(asset).status_code == 200
