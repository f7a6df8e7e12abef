"""API tokens: issued once, stored hashed, accepted in `Authorization: Token`, revocable.

Personas: an actor with a token; an outsider who guesses or replays tokens.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import token_digest
from audit.models import AuditEntry
from tests.factories import make_persona

pytestmark = pytest.mark.django_db


def test_issue_token_prints_the_token_once_and_stores_only_its_hash():
    actor = make_persona("actor")
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", actor.user.username, "--name", "laptop", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get(name="laptop")
    assert plaintext.startswith(f"lkp_{token.prefix}_")
    assert token.digest == token_digest(plaintext)
    stored = [str(v) for v in ApiToken.objects.values_list("prefix", "digest", "name").get(pk=token.pk)]
    assert plaintext not in stored
    assert "shown once" in err.getvalue()
    entry = AuditEntry.objects.filter(action="token.issued", target_id=str(token.pk)).get()
    assert entry.data["prefix"] == token.prefix and plaintext not in str(entry.data)


def test_issue_token_for_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("issue_token", "nobody")


def test_a_token_authenticates_its_user():
    actor = make_persona("actor")
    response = actor.client().get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == actor.user.username


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Token", "invalid_token"),
        ("Token a b", "invalid_token"),
        ("Token not-a-token", "invalid_token"),
        ("Token lkp_AAAAAAAA_" + "x" * 43, "invalid_token"),
    ],
)
def test_missing_malformed_or_unknown_tokens_are_refused_with_401(header, code):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_stops_working_at_once():
    actor = make_persona("actor")
    token = ApiToken.objects.get(user=actor.user)
    assert actor.client().get("/api/v1/me/").status_code == 200
    call_command("revoke_token", token.prefix, stdout=io.StringIO())
    response = actor.client().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert AuditEntry.objects.filter(action="token.revoked", target_id=str(token.pk)).count() == 1


def test_a_user_issues_and_revokes_their_own_tokens_through_the_api():
    actor = make_persona("actor")
    created = actor.client().post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert created.status_code == 201
    new_token = created.json()["token"]
    listing = actor.client().get("/api/v1/tokens/").json()
    assert {t["name"] for t in listing} == {"tests", "ci"}
    assert all("token" not in t for t in listing), "the secret is shown only once"

    revoked = actor.client().delete(f"/api/v1/tokens/{created.json()['id']}/")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    replay = APIClient()
    replay.credentials(HTTP_AUTHORIZATION=f"Token {new_token}")
    assert replay.get("/api/v1/me/").status_code == 401


def test_nobody_can_revoke_someone_elses_token():
    actor, outsider = make_persona("actor"), make_persona("outsider")
    actors_token = ApiToken.objects.get(user=actor.user)
    response = outsider.client().delete(f"/api/v1/tokens/{actors_token.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert actor.client().get("/api/v1/me/").status_code == 200


def test_a_disabled_users_token_is_refused():
    actor = make_persona("actor")
    actor.user.is_active = False
    actor.user.save()
    assert actor.client().get("/api/v1/me/").status_code == 401
