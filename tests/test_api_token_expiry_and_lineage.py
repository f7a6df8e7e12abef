"""API tokens may carry an expiry, and a token minted with another token dies with it.

Personas: an actor who signs in once, mints a short-lived token for a script, which in turn mints one
for a helper process; an attacker who stole the script's token and tries to keep access after the
actor revokes it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from audit.models import AuditEntry
from config import clock as platform_clock
from tests.factories import make_persona

pytestmark = pytest.mark.django_db


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def mint(client: APIClient, name: str, **extra):
    response = client.post("/api/v1/tokens/", {"name": name, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_token_with_an_expiry_stops_working_when_it_passes(clock):
    actor = make_persona("actor")
    ends = platform_clock.now() + timedelta(hours=1)
    script = mint(actor.client(), "script", expires_at=ends.isoformat())
    assert client_with(script["token"]).get("/api/v1/me/").status_code == 200
    clock.advance(timedelta(hours=1, seconds=1))
    response = client_with(script["token"]).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    listed = {row["name"]: row for row in actor.client().get("/api/v1/tokens/").json()}
    assert listed["script"]["active"] is False


def test_an_expiry_in_the_past_is_refused(clock):
    actor = make_persona("actor")
    response = actor.client().post(
        "/api/v1/tokens/",
        {"name": "late", "expires_at": (platform_clock.now() - timedelta(minutes=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "token_expiry_past"


def test_a_token_minted_by_a_short_lived_token_never_outlives_it(clock):
    actor = make_persona("actor")
    ends = platform_clock.now() + timedelta(hours=1)
    script = mint(actor.client(), "script", expires_at=ends.isoformat())
    helper = mint(client_with(script["token"]), "helper", expires_at=(ends + timedelta(days=30)).isoformat())
    forever = mint(client_with(script["token"]), "forever")
    for minted in (helper, forever):
        assert ApiToken.objects.get(pk=minted["id"]).expires_at == ends


def test_revoking_a_token_revokes_every_token_it_minted_however_deep(clock):
    actor = make_persona("actor")
    script = mint(actor.client(), "script")
    helper = mint(client_with(script["token"]), "helper")
    grandchild = mint(client_with(helper["token"]), "grandchild")
    unrelated = mint(actor.client(), "laptop")

    response = actor.client().delete(f"/api/v1/tokens/{script['id']}/")
    assert response.status_code == 200

    for heir in (script, helper, grandchild):
        assert client_with(heir["token"]).get("/api/v1/me/").status_code == 401
        assert AuditEntry.objects.filter(action="token.revoked", target_id=str(heir["id"])).count() == 1
    assert client_with(unrelated["token"]).get("/api/v1/me/").status_code == 200


def test_revoking_one_token_leaves_its_siblings_working(clock):
    actor = make_persona("actor")
    first = mint(actor.client(), "first")
    second = mint(actor.client(), "second")
    actor.client().delete(f"/api/v1/tokens/{first['id']}/")
    assert ApiToken.objects.get(pk=second["id"]).parent_id == ApiToken.objects.get(pk=first["id"]).parent_id
    assert client_with(second["token"]).get("/api/v1/me/").status_code == 200
