"""A representative acting outside his mandate's acts, purposes, likenesses or dates is refused
with the reason code, and nothing changes.

Personas: Ada (the actor) with a studio's request for a film and series licence; Maya, her agent;
Bob, another actor who gave Maya a mandate of his own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.errors import Forbidden
from licensing.lifecycle import license_approve
from licensing.mandate_models import MandateKind
from licensing.mandates import MandateTerms, mandate_grant
from licensing.models import License
from tests.factories import make_actor
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona

pytestmark = pytest.mark.django_db


def approve(maya, license_id):
    return maya.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json")


def refused_with(response, code: str) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == code


def test_an_act_the_mandate_does_not_list_is_refused(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya, acts=["review", "decline"]).status_code == 201
    assert refused_with(approve(maya, story.license.pk), "mandate_act_not_covered")
    assert License.objects.get(pk=story.license.pk).status == "requested"
    # What the mandate does list, she may do.
    declined = maya.client().post(f"/api/v1/licenses/{story.license.pk}/decline/", {"reason": "no"}, format="json")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"


def test_a_licence_for_a_purpose_outside_the_mandate_is_refused(clock):
    story = ada_with_a_request()  # film and series
    maya = new_persona("maya")
    assert grant_by_api(story, maya, purposes=["film"]).status_code == 201
    assert refused_with(approve(maya, story.license.pk), "mandate_purpose_not_covered")
    assert License.objects.get(pk=story.license.pk).status == "requested"


def test_before_its_start_and_after_its_end_the_mandate_does_not_cover(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    now = clock.now()
    granted = grant_by_api(
        story,
        maya,
        valid_from=(now + timedelta(days=1)).isoformat(),
        valid_until=(now + timedelta(days=3)).isoformat(),
    )
    assert granted.status_code == 201
    # Not started: no live mandate lets her see the licence; the service names the reason.
    assert approve(maya, story.license.pk).status_code == 404
    with pytest.raises(Forbidden) as refused:
        license_approve(license=story.license, actor=maya.user)
    assert refused.value.code == "mandate_expired"
    clock.advance(days=2)
    assert approve(maya, story.license.pk).status_code == 200


def test_a_mandate_from_another_owner_covers_nothing_of_adas(clock):
    story = ada_with_a_request()
    maya, bob = new_persona("maya"), make_actor("bob")
    mandate_grant(
        owner=bob.owner,
        terms=MandateTerms(
            representative=maya.user, kind=MandateKind.AGENT, acts=["approve"], purposes=None, valid_until=None
        ),
        actor=bob.user,
    )
    with pytest.raises(Forbidden) as refused:
        license_approve(license=story.license, actor=maya.user)
    assert refused.value.code == "mandate_missing"
    assert License.objects.get(pk=story.license.pk).status == "requested"


def test_a_representative_cannot_upload_a_signature_of_his_own(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    assert grant_by_api(story, maya).status_code == 201
    response = maya.client().post(
        f"/api/v1/licenses/{story.license.pk}/approve/", {"signature": "A" * 86}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "signature_not_supported"
    assert License.objects.get(pk=story.license.pk).status == "requested"


def test_every_refusal_code_is_published_with_the_api_codes():
    from config.errors import registered_codes
    from licensing import mandate_documents as codes

    published = registered_codes()["mandates"] | registered_codes()["licensing"]
    for code in (
        codes.MANDATE_MISSING,
        codes.MANDATE_ACT_NOT_COVERED,
        codes.MANDATE_PURPOSE_NOT_COVERED,
        codes.MANDATE_EXPIRED,
        codes.MANDATE_REVOKED,
        codes.MANDATE_LIKENESS_NOT_COVERED,
        "mandate_not_covering",
    ):
        assert code in published, code
