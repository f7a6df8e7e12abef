"""Attestations: a trusted organisation vouches that a likeness's owner is the person in it.

Personas: an admin who trusts a talent agency; the agency's member who attests the actor's
likeness; the actor, who sees the attestation on her likeness page (in Chinese too); a studio
whose organisation is not trusted and whose attestation is refused.
"""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from tests.factories import make_admin, make_licensable_actor, make_studio

pytestmark = pytest.mark.django_db


def test_a_trusted_agency_attests_the_likeness_and_the_owner_sees_it():
    actor, agency, admin = make_licensable_actor("ada"), make_studio("agency"), make_admin()
    trusted = admin.client().post(
        f"/api/v1/organisations/{agency.organisation.pk}/attester-trust/", {"note": "talent agency"}, format="json"
    )
    assert trusted.status_code == 201, trusted.content
    response = agency.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/attestations/",
        {"organisation_id": str(agency.organisation.pk), "statement": "We have represented Ada since 2019."},
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = actor.client().get(f"/api/v1/likenesses/{actor.likeness.pk}/attestations/").json()
    assert [(a["organisation_name"], a["statement"]) for a in listed] == [
        (agency.organisation.name, "We have represented Ada since 2019.")
    ]
    assert AuditEntry.objects.filter(action="likeness.attested", target_id=str(actor.likeness.pk)).exists()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(actor.user)
    page = client.get(f"/likenesses/{actor.likeness.pk}/").content.decode()
    assert "受信任机构的证明" in page and "We have represented Ada since 2019." in page


def test_an_untrusted_organisation_cannot_attest():
    actor, studio = make_licensable_actor("ada"), make_studio()
    response = studio.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/attestations/",
        {"organisation_id": str(studio.organisation.pk), "statement": "Trust us."},
        format="json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "attester_not_trusted"
    assert actor.client().get(f"/api/v1/likenesses/{actor.likeness.pk}/attestations/").json() == []
