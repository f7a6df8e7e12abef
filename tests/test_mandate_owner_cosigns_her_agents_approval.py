"""Two-party approval: under a mandate that requires the owner's co-signature, the agent's approval
leaves the licence pending until the owner signs the same bytes; the gate then honours it.

Personas: Ada (the actor) with a studio's request; Maya, her agent, whose mandate requires Ada's
co-signature.
"""

from __future__ import annotations

import pytest

from licensing.mandate_models import MandateApproval
from licensing.signing_keys import owner_key_create_custodial
from licensing.verification import cache_clear
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona, render_check

pytestmark = pytest.mark.django_db


def test_the_licence_waits_for_ada_then_is_signed_by_both(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya, require_owner_cosign=True).status_code == 201

    first = maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "requested"
    assert maya.client().get("/api/v1/representation/").json()["waiting"][0]["awaiting_owner_cosign"] is True
    story.license.refresh_from_db()
    assert render_check(story).reason == "license_not_active"
    again = maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "license_not_pending"

    cosigned = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert cosigned.status_code == 200 and cosigned.json()["status"] == "active"
    signer = cosigned.json()["document"]["signer"]
    assert signer["owner_cosign"] is True and signer["representative"]["user_id"] == str(maya.user.pk)
    story.license.refresh_from_db()
    assert render_check(story).allowed

    # Without Ada's co-signature the gate would not honour Maya's signature alone.
    MandateApproval.objects.filter(license=story.license).update(owner_cosignature="")
    cache_clear()
    assert render_check(story).reason == "mandate_not_covering"


def test_ada_may_still_decline_what_her_agent_approved_pending_her_cosignature(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya, acts=["approve", "decline"], require_owner_cosign=True).status_code == 201
    assert maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json").status_code == 200
    declined = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/decline/", {}, format="json")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"


def test_a_key_rotation_between_the_two_signatures_sends_the_agent_back_to_sign(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya, require_owner_cosign=True).status_code == 201
    assert maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json").status_code == 200
    owner_key_create_custodial(owner=story.actor.owner, actor=story.actor.user)

    refused = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "cosign_key_rotated"

    assert maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json").status_code == 200
    cosigned = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert cosigned.status_code == 200 and cosigned.json()["status"] == "active"
    story.license.refresh_from_db()
    assert render_check(story).allowed
