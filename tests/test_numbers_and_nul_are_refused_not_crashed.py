"""Three inputs that crashed the API with a 500 now answer 400 with a stable code.

Personas: a studio filling a licence request with an absurd duration, a rights holder whose work
identifier carries a NUL character (PostgreSQL cannot store one), and a member removing a colleague
by an id no database row can have. Runs on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from licensing.scope import MAX_OUTPUT_SECONDS_LIMIT
from tests.factories import make_licensed_story, make_persona, make_studio

pytestmark = pytest.mark.django_db


def request_body(story, **override):
    body = {
        "studio_id": str(story.studio.organisation.pk),
        "likeness_id": str(story.actor.likeness.pk),
        "works": [str(story.work.pk)],
        "purposes": ["film"],
        "media_types": ["video"],
        "territories": ["FR"],
        "valid_until": "2099-01-01T00:00:00Z",
        "max_renders": 3,
        "max_output_seconds": 60,
    }
    return {**body, **override}


@pytest.mark.parametrize("seconds", [2**53 + 1, 2**64, MAX_OUTPUT_SECONDS_LIMIT + 1])
def test_a_licence_request_with_an_absurd_duration_is_refused(clock, seconds):
    story = make_licensed_story(approve=False)
    response = story.studio.client().post(
        "/api/v1/licenses/", request_body(story, max_output_seconds=seconds), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_failed"


def test_the_longest_allowed_duration_is_accepted(clock):
    story = make_licensed_story(approve=False)
    response = story.studio.client().post(
        "/api/v1/licenses/", request_body(story, max_output_seconds=MAX_OUTPUT_SECONDS_LIMIT), format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "identifiers", [{"isan\u0000": "0000-0001"}, {"isan": "0000\u00000001"}, {"nested": "ok", "x\u0000y": "z"}]
)
def test_a_nul_character_anywhere_in_a_json_body_is_malformed(clock, identifiers):
    holder = make_studio("holder")
    body = {
        "holder_id": str(holder.organisation.pk),
        "title": "Night Train",
        "kind": "film",
        "identifiers": identifiers,
    }
    response = holder.client().post("/api/v1/works/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "malformed_json"


def test_an_escaped_backslash_before_u0000_is_ordinary_text(clock):
    holder = make_studio("holder")
    body = json.dumps({"holder_id": str(holder.organisation.pk), "title": "C:\\u0000 drive", "kind": "film"})
    response = holder.client().post("/api/v1/works/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "C:\\u0000 drive"


@pytest.mark.parametrize("user_id", [2**63, 2**64 + 5, 10**30])
def test_removing_a_member_by_an_id_no_row_can_have_is_a_bad_request(clock, user_id):
    studio = make_studio("studio")
    response = studio.client().delete(f"/api/v1/organisations/{studio.organisation.pk}/members/{user_id}/")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_id"


def test_revoking_a_token_by_an_id_no_row_can_have_is_a_bad_request(clock):
    actor = make_persona("actor")
    response = actor.client().delete(f"/api/v1/tokens/{2**64}/")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_id"


def test_the_scope_itself_refuses_a_duration_beyond_the_limit():
    from datetime import UTC, datetime

    from licensing.scope import ScopeError, build_scope

    with pytest.raises(ScopeError, match="max_output_seconds"):
        build_scope(
            works=[{"id": "w"}],
            purposes=["film"],
            media_types=["video"],
            territories=["FR"],
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            valid_until=datetime(2027, 1, 1, tzinfo=UTC),
            max_renders=1,
            max_output_seconds=MAX_OUTPUT_SECONDS_LIMIT + 1,
        )
