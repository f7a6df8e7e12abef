"""Ending a mandate stops the representative at once, and leaves the licences he validly signed in
force until the owner revokes them.

Personas: Ada (the actor) and a studio with two licence requests; Maya, her agent, who approves the
first, and then Ada ends Maya's mandate.
"""

from __future__ import annotations

import pytest

from config.errors import Forbidden
from licensing.lifecycle import license_request, license_revoke
from licensing.mandate_models import Mandate
from licensing.models import License
from tests.factories import license_terms
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona, render_check

pytestmark = pytest.mark.django_db


def test_ending_the_mandate_stops_maya_and_leaves_her_licence_in_force(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate_id = grant_by_api(story, maya, acts=["approve", "revoke"]).json()["id"]
    assert maya.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json").status_code == 200
    second = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )

    ended = story.actor.client().post(f"/api/v1/mandates/{mandate_id}/end/", {"reason": "new agency"}, format="json")
    assert ended.status_code == 200 and ended.json()["revoked_at"] is not None

    # At once: Maya no longer sees nor signs Ada's licences, nor revokes the one she signed.
    assert maya.client().post(f"/api/v1/licenses/{second.pk}/approve/", {}, format="json").status_code == 404
    assert maya.client().get("/api/v1/representation/").json() == {"likenesses": [], "waiting": []}
    with pytest.raises(Forbidden) as refused:
        license_revoke(license=story.license, reason="", actor=maya.user)
    assert refused.value.code == "mandate_revoked"
    assert License.objects.get(pk=second.pk).status == "requested"

    # The licence she validly signed stays in force, until Ada revokes it.
    story.license.refresh_from_db()
    assert story.license.status == "active"
    assert render_check(story).allowed
    assert (
        story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/revoke/", {}, format="json").status_code == 200
    )
    assert render_check(story).reason == "license_revoked"


def test_a_mandate_ends_once_and_the_representative_may_end_it_himself(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate_id = grant_by_api(story, maya).json()["id"]
    assert maya.client().post(f"/api/v1/mandates/{mandate_id}/end/", {}, format="json").status_code == 200
    again = story.actor.client().post(f"/api/v1/mandates/{mandate_id}/end/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "mandate_revoked"
    assert Mandate.objects.get(pk=mandate_id).revoked_at is not None
