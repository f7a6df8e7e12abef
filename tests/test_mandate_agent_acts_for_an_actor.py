"""An agent acts for a living actor within a signed mandate, end to end through the API.

Personas: Ada (the actor) has a licence request from a studio; Maya is her agent; an outsider holds
no mandate. Ada grants Maya a mandate to review, approve and decline film and series licences; Maya
sees the request on her dashboard, approves it, and the studio's render passes the gate. The licence
document says who signed and under which mandate; Ada can still revoke it herself.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from licensing.documents import digest, parse
from licensing.mandate_models import Mandate
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona, render_check

pytestmark = pytest.mark.django_db


def test_maya_approves_adas_licence_under_her_mandate_and_the_studio_may_render(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    license_id = story.license.pk

    # Before any mandate, Maya sees nothing of Ada's licences.
    assert maya.client().get(f"/api/v1/licenses/{license_id}/").status_code == 404

    granted = grant_by_api(story, maya, acts=["review", "approve", "decline"], purposes=["film", "series"])
    assert granted.status_code == 201, granted.content
    mandate = granted.json()
    assert mandate["kind"] == "agent" and mandate["representative"] == maya.user.username
    assert mandate["document"]["likeness_ids"] == [str(story.actor.likeness.pk)]
    assert mandate["document"]["signer_key_id"] == mandate["document"]["owner"]["owner_key_id"]

    # Both parties list it; Maya's dashboard shows Ada's likeness and the request waiting.
    assert [m["id"] for m in story.actor.client().get("/api/v1/mandates/").json()] == [mandate["id"]]
    assert [m["id"] for m in maya.client().get("/api/v1/mandates/").json()] == [mandate["id"]]
    dashboard = maya.client().get("/api/v1/representation/").json()
    assert [row["likeness_id"] for row in dashboard["likenesses"]] == [str(story.actor.likeness.pk)]
    assert [row["license_id"] for row in dashboard["waiting"]] == [str(license_id)]

    approved = maya.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "active"
    signer = body["document"]["signer"]
    assert signer["mandate_id"] == mandate["id"]
    assert signer["mandate_sha256"] == digest(mandate["canonical_document"].encode())
    assert signer["kind"] == "agent" and signer["representative"]["user_id"] == str(maya.user.pk)
    assert body["owner_key_id"] == signer["key_id"] != body["document"]["licensor"]["owner_key_id"]

    story.license.refresh_from_db()
    assert render_check(story).allowed

    # The act is audited under the mandate, beside the licence's own approval entry.
    acted = AuditEntry.objects.get(action="mandate.acted", target_id=mandate["id"])
    assert acted.data["act"] == "approve" and acted.data["license_id"] == str(license_id)
    assert acted.actor_id == maya.user.pk
    assert AuditEntry.objects.filter(action="license.approved", target_id=str(license_id)).exists()

    # Ada, beside her agent, can still revoke anything.
    revoked = story.actor.client().post(f"/api/v1/licenses/{license_id}/revoke/", {}, format="json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_a_document_ada_signs_herself_carries_no_signer_block(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya).status_code == 201
    approved = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert approved.status_code == 200
    document = parse(approved.json()["canonical_document"])
    assert "signer" not in document
    assert approved.json()["owner_key_id"] == document["licensor"]["owner_key_id"]


def test_only_the_owner_grants_and_an_outsider_cannot_end_her_mandate(clock):
    story = ada_with_a_request()
    maya, outsider = new_persona("maya"), new_persona("outsider")
    refused = outsider.client().post(
        "/api/v1/mandates/", {"representative": maya.user.username, "kind": "agent", "acts": ["approve"]}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_an_owner"
    mandate_id = grant_by_api(story, maya).json()["id"]
    assert outsider.client().post(f"/api/v1/mandates/{mandate_id}/end/", {}, format="json").status_code == 404
    assert outsider.client().get(f"/api/v1/mandates/{mandate_id}/").status_code == 404
    assert Mandate.objects.get(pk=mandate_id).revoked_at is None


def test_a_mandate_with_acts_outside_the_list_is_refused_and_nothing_is_written(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    refused = grant_by_api(story, maya, acts=["approve", "sell_the_house"])
    assert refused.status_code == 400
    refused = grant_by_api(story, maya, kind="estate")
    assert refused.status_code == 400
    assert not Mandate.objects.exists()
