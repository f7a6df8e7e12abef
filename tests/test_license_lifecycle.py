"""The whole life of a licence, through the API, told with the personas.

Personas:
- a rights holder (Rights Films): registers a work and its file, grants the studio the right to adapt it;
- an actor (Ada): owns an enrolled, licensable likeness; reads the terms in plain language, signs, revokes;
- a studio (Studio Pictures): requests the licence and checks renders against it;
- a rival studio: may not see the licence, nor use it;
- an outsider: sees nothing, but like anyone may read the public status and key set.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from licensing.models import License
from tests.factories import fingerprint, make_licensable_actor, make_persona, make_rights_holder, make_studio

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def register_work_and_grant(rights_holder, studio, clock) -> tuple[str, str]:
    sha256 = fingerprint("the-long-take.mp4")
    response = rights_holder.client().post(
        "/api/v1/works/",
        {
            "holder_id": str(rights_holder.organisation.pk),
            "title": "The Long Take",
            "kind": "film",
            "identifiers": {"isan": "0000-0001-8947-0000-8-0000-0000-D"},
            "files": [{"sha256": sha256, "media_type": "video", "name": "reel1.mp4"}],
            "rights": [
                {"right": right, "territories": ["WORLD"], "valid_from": iso(clock.now() - timedelta(days=30))}
                for right in ("reproduce", "adapt", "distribute")
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    work_id = response.json()["id"]
    assert response.json()["files"][0]["sha256"] == sha256
    response = rights_holder.client().post(
        f"/api/v1/works/{work_id}/grants/",
        {
            "studio_id": str(studio.organisation.pk),
            "territories": ["WORLD"],
            "valid_from": iso(clock.now() - timedelta(days=1)),
            "valid_until": iso(clock.now() + timedelta(days=365)),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return work_id, sha256


def request_body(studio, actor, work_id, clock) -> dict:
    return {
        "studio_id": str(studio.organisation.pk),
        "likeness_id": str(actor.likeness.pk),
        "works": [work_id],
        "purposes": ["film"],
        "media_types": ["video"],
        "territories": ["FR", "DE"],
        "valid_until": iso(clock.now() + timedelta(days=30)),
        "max_renders": 3,
        "max_output_seconds": 90,
        "prohibited_uses": ["sexual_content", "political_campaigning"],
        "label_text": "AI-altered: licensed likeness",
        "fee_per_render": {"amount": "40.00", "currency": "EUR"},
    }


def check(client, license_id, sha256, **overrides):
    body = {"work_file_sha256": sha256, "purpose": "film", "media_type": "video", "territory": "FR"}
    body["duration_seconds"] = 30
    body.update(overrides)
    return client.post(f"/api/v1/licenses/{license_id}/check/", body, format="json")


def test_a_licence_is_requested_signed_used_and_revoked_through_the_api(clock):
    actor, rights_holder = make_licensable_actor("ada"), make_rights_holder("rights")
    studio, rival, outsider = make_studio("studio"), make_studio("rival"), make_persona("outsider")
    work_id, sha256 = register_work_and_grant(rights_holder, studio, clock)

    # The studio requests; the document is fixed and awaits the owner.
    response = studio.client().post("/api/v1/licenses/", request_body(studio, actor, work_id, clock), format="json")
    assert response.status_code == 201, response.content
    requested = response.json()
    license_id = requested["id"]
    assert requested["status"] == "requested"
    assert requested["owner_signature"] == "" and requested["platform_signature"] == ""
    assert requested["document"]["licensee"]["organisation_id"] == str(studio.organisation.pk)
    assert check(studio.client(), license_id, sha256).json()["reason"] == "license_not_active"

    # The owner reads the terms in plain language before signing.
    seen = actor.client().get(f"/api/v1/licenses/{license_id}/").json()
    text = " ".join(seen["plain_language"])
    assert "“The Long Take”" in text
    assert "Germany and France" in text  # territories by name, not by code
    assert "At most 3 renders." in text
    assert "Never for political campaigning or sexual content." in text
    assert "40.00 EUR per render" in text

    # Neither the rival nor the outsider can see it, and the studio cannot sign for the owner.
    assert rival.client().get(f"/api/v1/licenses/{license_id}/").status_code == 404
    assert outsider.client().get(f"/api/v1/licenses/{license_id}/").status_code == 404
    assert outsider.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json").status_code == 404
    refused = studio.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_the_owner"

    # The owner approves (custodial key); the platform countersigns; the licence is active.
    response = actor.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json")
    assert response.status_code == 200, response.content
    active = response.json()
    assert active["status"] == "active"
    assert active["owner_signature"] and active["platform_signature"]
    assert active["canonical_document"] == requested["canonical_document"]

    # Anyone reads the public, signed status.
    public = APIClient().get(f"/api/v1/licenses/{license_id}/status")
    assert public.status_code == 200
    assert public.json()["statement"]["status"] == "active"
    assert public["Cache-Control"] == "no-store"

    # The studio's render would pass; the rival presenting the same licence would not.
    allowed = check(studio.client(), license_id, sha256).json()
    assert allowed == {
        "allowed": True,
        "reason": None,
        "duties": {
            "label_text": "AI-altered: licensed likeness",
            "attribution": None,
            "fee_per_render": {"amount": "40.00", "currency": "EUR"},
        },
    }
    assert check(studio.client(), license_id, sha256, territory="US").json()["reason"] == "territory_not_permitted"
    assert rival.client().post(f"/api/v1/licenses/{license_id}/check/", {}, format="json").status_code == 404

    # The owner revokes with a reason; every later status check says revoked and when, never why.
    clock.advance(hours=2)
    response = actor.client().post(
        f"/api/v1/licenses/{license_id}/revoke/", {"reason": "changed my mind"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["revocation"]["record"]["reason"] is None
    assert response.json()["revoke_reason"] == "changed my mind"  # the owner reads her own reason
    clock.advance(days=3)
    statement = APIClient().get(f"/api/v1/licenses/{license_id}/status").json()
    assert statement["statement"]["status"] == "revoked"
    assert statement["statement"]["reason"] is None
    revoked_at = License.objects.get(pk=license_id).status_changed_at
    assert statement["statement"]["since"] == revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert revoked_at < clock.now() - timedelta(days=2)  # since the revocation, not since the check
    assert statement["revocation"]["record"]["revoked_by"] == "owner"
    assert check(studio.client(), license_id, sha256).json()["reason"] == "license_revoked"

    # Every step is in the audit trail.
    actions = list(AuditEntry.objects.filter(target_id=license_id).order_by("seq").values_list("action", flat=True))
    assert actions == ["license.requested", "license.approved", "license.revoked"]


def test_the_owner_declines_and_the_licence_never_becomes_usable(clock):
    actor, rights_holder, studio = make_licensable_actor("ada"), make_rights_holder("rights"), make_studio("studio")
    work_id, sha256 = register_work_and_grant(rights_holder, studio, clock)
    license_id = (
        studio.client()
        .post("/api/v1/licenses/", request_body(studio, actor, work_id, clock), format="json")
        .json()["id"]
    )
    response = actor.client().post(
        f"/api/v1/licenses/{license_id}/decline/", {"reason": "not this film"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert actor.client().post(f"/api/v1/licenses/{license_id}/approve/", {}, format="json").status_code == 409
    assert APIClient().get(f"/api/v1/licenses/{license_id}/status").json()["statement"]["status"] == "declined"
    assert check(studio.client(), license_id, sha256).json()["reason"] == "license_not_active"


def test_a_likeness_that_is_not_licensable_refuses_requests(clock):
    actor, rights_holder, studio = make_licensable_actor("ada"), make_rights_holder("rights"), make_studio("studio")
    work_id, _ = register_work_and_grant(rights_holder, studio, clock)
    actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/licensability/", {"licensable": False}, format="json")
    response = studio.client().post("/api/v1/licenses/", request_body(studio, actor, work_id, clock), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "likeness_not_licensable"
    assert not License.objects.exists()


def test_a_studio_cannot_request_for_a_work_it_may_not_adapt(clock):
    actor, rights_holder = make_licensable_actor("ada"), make_rights_holder("rights")
    studio, rival = make_studio("studio"), make_studio("rival")
    work_id, _ = register_work_and_grant(rights_holder, studio, clock)
    response = rival.client().post("/api/v1/licenses/", request_body(rival, actor, work_id, clock), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "adaptation_right_missing"


def test_a_request_naming_terms_outside_the_vocabulary_is_refused(clock):
    actor, rights_holder, studio = make_licensable_actor("ada"), make_rights_holder("rights"), make_studio("studio")
    work_id, _ = register_work_and_grant(rights_holder, studio, clock)
    body = request_body(studio, actor, work_id, clock)
    for field, value in [
        ("purposes", ["film", "sexual_content"]),
        ("territories", ["France"]),
        ("media_types", ["audio"]),
    ]:
        response = studio.client().post("/api/v1/licenses/", {**body, field: value}, format="json")
        assert response.status_code == 400, (field, response.content)
    del body["max_output_seconds"]
    response = studio.client().post("/api/v1/licenses/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["detail"]["field"] == "max_output_seconds"
