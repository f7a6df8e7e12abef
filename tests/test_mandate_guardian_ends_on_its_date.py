"""A guardian acts for a minor until the mandate's date; then the owner takes over.

Personas: Ada (the actor, a minor here) with a studio's request; her guardian, whose mandate ends
in ten days; the clock moves past that date.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.errors import Forbidden
from licensing.lifecycle import license_approve, license_request
from licensing.models import License
from tests.factories import license_terms
from tests.mandate_story import ada_with_a_request, grant_by_api, new_persona, render_check

pytestmark = pytest.mark.django_db


def test_a_guardian_needs_an_end_date(clock):
    story = ada_with_a_request()
    guardian = new_persona("guardian")
    refused = grant_by_api(story, guardian, kind="guardian")
    assert refused.status_code == 400 and refused.json()["error"]["detail"]["field"] == "valid_until"


def test_the_guardian_signs_until_the_date_then_ada_takes_over(clock):
    story = ada_with_a_request()
    guardian = new_persona("guardian")
    until = clock.now() + timedelta(days=10)
    granted = grant_by_api(story, guardian, kind="guardian", acts=["approve", "decline"], valid_until=until.isoformat())
    assert granted.status_code == 201

    approved = guardian.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["document"]["signer"]["kind"] == "guardian"

    second = license_request(
        studio=story.studio.organisation,
        likeness_id=story.actor.likeness.pk,
        terms=license_terms([story.work], valid_until=clock.now() + timedelta(days=60)),
        actor=story.studio.user,
    )
    clock.set(until + timedelta(seconds=1))
    assert guardian.client().post(f"/api/v1/licenses/{second.pk}/approve/", {}, format="json").status_code == 404
    with pytest.raises(Forbidden) as refused:
        license_approve(license=second, actor=guardian.user)
    assert refused.value.code == "mandate_expired"
    assert License.objects.get(pk=second.pk).status == "requested"

    # Ada takes over; what her guardian signed in time still holds.
    assert story.actor.client().post(f"/api/v1/licenses/{second.pk}/approve/", {}, format="json").status_code == 200
    story.license.refresh_from_db()
    clock.set(until - timedelta(days=5))  # within the first licence's term
    assert render_check(story).allowed
