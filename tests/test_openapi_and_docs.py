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


def test_the_schema_declares_the_token_scheme_and_every_operation_uses_it_or_none():
    schema = Client().get("/api/v1/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"apiToken": []} in me["security"]


def test_the_schema_declares_the_error_body_and_every_registered_code():
    from config.errors import ErrorCode
    from licensing.codes import LicensingCode
    from licensing.refusals import RefusalReason

    schema = Client().get("/api/v1/schema/", {"format": "json"}).json()
    error = schema["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "detail"]
    known = set(error["properties"]["code"]["x-known-codes"])
    assert {str(code) for code in ErrorCode} <= known
    assert {str(code) for code in RefusalReason} <= known
    licensing = [str(code) for code in RefusalReason] + [str(code) for code in LicensingCode]
    assert schema["components"]["schemas"]["LicensingCode"]["enum"] == licensing
    revoke = schema["paths"]["/api/v1/licenses/{license_id}/revoke/"]["post"]["responses"]
    for status_code in ("400", "401", "403", "404", "409", "429"):
        assert revoke[status_code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
