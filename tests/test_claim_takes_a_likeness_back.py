"""Claims: the real owner of a face, by her own live capture, takes back a likeness an impostor enrolled.

Personas: an impostor who enrolled public photos of the astronaut and licensed them to a studio
(his proof of person stands in as passed: enrolled before the live capture existed); the astronaut
herself, the claimant, who records the claim challenge; Grace Hopper, who tries to claim a face
that is not hers; a studio holding an active licence; an admin who decides.
"""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from licensing.documents import verify
from licensing.gate import license_authorize
from licensing.lifecycle import license_approve, license_request
from licensing.models import License, LicenseStatus, WebhookDelivery
from licensing.refusals import RefusalReason
from licensing.trust import pinned_platform_keys
from licensing.verification import cache_clear
from licensing.webhook_delivery import webhook_endpoint_create
from likeness.liveness_samples import mark_person_verified_for_fixtures
from likeness.models import Likeness, LikenessStatus
from likeness.services import likeness_enrol
from tests import liveness_clips
from tests.factories import (
    astronaut_photos,
    grant_adaptation,
    license_terms,
    make_actor,
    make_admin,
    make_persona,
    make_rights_holder,
    make_studio,
    make_work,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def impostor_story():
    cache_clear()
    impostor = make_actor("impostor")
    impostor.likeness = likeness_enrol(likeness=impostor.likeness, photos=astronaut_photos(), actor=impostor.user)
    mark_person_verified_for_fixtures(impostor.likeness)
    holder, studio = make_rights_holder(), make_studio()
    work = make_work(holder)
    grant_adaptation(work, holder=holder, studio=studio)
    license = license_request(
        studio=studio.organisation, likeness_id=impostor.likeness.pk, terms=license_terms([work]), actor=studio.user
    )
    license = license_approve(license=license, actor=impostor.user)
    return impostor, studio, work, license


def render_check(studio, work, license):
    cache_clear()
    return license_authorize(
        license_id=license.pk,
        studio=studio.organisation,
        work_file_sha256=work.file_sha256,
        purpose="film",
        media_type="video",
        duration_seconds=60.0,
        territory="FR",
    )


def file_claim(claimant, likeness_id, face: str):
    client = claimant.client()
    issued = client.post(f"/api/v1/likenesses/{likeness_id}/claims/challenges/")
    assert issued.status_code == 201, issued.content
    challenge = issued.json()
    clip = liveness_clips.genuine(face, tuple(challenge["sequence"]))
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/likenesses/{likeness_id}/claims/",
        {
            "challenge_id": challenge["id"],
            "clip": SimpleUploadedFile("claim.webm", clip, content_type="video/webm"),
            "statement": "This is my face; I never enrolled it.",
        },
        format="multipart",
    )


def test_a_winning_claim_freezes_the_impostors_licences_and_the_admin_transfers_the_likeness(impostor_story):
    impostor, studio, work, license = impostor_story
    assert render_check(studio, work, license).allowed
    studio_hook, _ = webhook_endpoint_create(
        url="https://studio.example/hooks",
        events=["likeness.disputed"],
        organisation=studio.organisation,
        owner=None,
        actor=studio.user,
    )

    astronaut = make_persona("collins")
    response = file_claim(astronaut, impostor.likeness.pk, "astronaut")
    assert response.status_code == 201, response.content
    claim = response.json()
    assert Likeness.objects.get(pk=impostor.likeness.pk).status == LikenessStatus.DISPUTED

    refused = render_check(studio, work, license)
    assert not refused.allowed and refused.reason == RefusalReason.LIKENESS_DISPUTED
    told = WebhookDelivery.objects.get(endpoint=studio_hook, event_type="likeness.disputed")
    payload = json.loads(told.payload)["data"]
    assert payload["claim_id"] == claim["id"] and payload["suspended_license_ids"] == [str(license.pk)]
    disputed = AuditEntry.objects.get(action="likeness.disputed", target_id=str(impostor.likeness.pk))
    assert disputed.data["licences_suspended"] == [str(license.pk)]

    admin = make_admin()
    decided = admin.client().post(f"/api/v1/claims/{claim['id']}/decision/", {"decision": "transfer"}, format="json")
    assert decided.status_code == 200, decided.content
    body = decided.json()
    document = json.loads(body["decision_document"])
    assert document["decision"] == "transfer_to_claimant" and document["likeness_id"] == str(impostor.likeness.pk)
    public_key = pinned_platform_keys().get(document["platform_key_id"])
    assert public_key is not None  # a key the platform pins and publishes, not a database row
    assert verify(public_key, body["decision_signature"], body["decision_document"].encode())

    revoked = License.objects.get(pk=license.pk)
    assert revoked.status == LicenseStatus.REVOKED and revoked.revoke_reason == "likeness_fraudulent"
    assert render_check(studio, work, license).reason == RefusalReason.LICENSE_REVOKED
    likeness = Likeness.objects.select_related("owner").get(pk=impostor.likeness.pk)
    assert likeness.owner.user_id == astronaut.user.pk and likeness.status == LikenessStatus.ENROLLED
    # Her claim capture is her proof of person; the impostor's old one no longer counts.
    assert astronaut.client().get(f"/api/v1/likenesses/{likeness.pk}/").json()["person_verified"] is True
    assert impostor.client().get(f"/api/v1/likenesses/{likeness.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="likeness_claim.decided", target_id=str(likeness.pk)).exists()


def test_a_rejected_claim_lifts_the_dispute_and_the_licence_works_again(impostor_story):
    impostor, studio, work, license = impostor_story
    claim = file_claim(make_persona("collins"), impostor.likeness.pk, "astronaut").json()
    admin = make_admin()
    assert (
        admin.client()
        .post(f"/api/v1/claims/{claim['id']}/decision/", {"decision": "reject"}, format="json")
        .status_code
        == 200
    )
    assert Likeness.objects.get(pk=impostor.likeness.pk).status == LikenessStatus.ENROLLED
    assert render_check(studio, work, license).allowed


def test_someone_whose_face_it_is_not_cannot_dispute_the_likeness(impostor_story):
    impostor, studio, work, license = impostor_story
    response = file_claim(make_persona("hopper"), impostor.likeness.pk, "hopper")
    assert response.status_code == 400 and response.json()["error"]["code"] == "liveness_face_mismatch"
    assert Likeness.objects.get(pk=impostor.likeness.pk).status == LikenessStatus.ENROLLED
    assert render_check(studio, work, license).allowed


def test_only_an_admin_decides(impostor_story):
    impostor, *_ = impostor_story
    claim = file_claim(make_persona("collins"), impostor.likeness.pk, "astronaut").json()
    response = impostor.client().post(f"/api/v1/claims/{claim['id']}/decision/", {"decision": "reject"}, format="json")
    assert response.status_code == 404
    assert Likeness.objects.get(pk=impostor.likeness.pk).status == LikenessStatus.DISPUTED


def test_the_admin_review_page_shows_both_sides_and_its_action_decides(impostor_story):
    from django.test import Client

    from likeness.models import ClaimStatus, LikenessClaim

    impostor, studio, work, license = impostor_story
    claim = file_claim(make_persona("collins"), impostor.likeness.pk, "astronaut").json()
    admin = Client()
    admin.force_login(make_admin().user)
    page = admin.get(f"/admin/likeness/likenessclaim/{claim['id']}/change/").content.decode()
    assert "Claimant&#x27;s live capture" in page and "claim: " in page and "passed" in page
    assert "Enrolling account&#x27;s live captures" in page and "3 enrolment photo(s)" in page
    response = admin.post(
        "/admin/likeness/likenessclaim/", {"action": "reject_claim", "_selected_action": [claim["id"]]}
    )
    assert response.status_code == 302
    assert LikenessClaim.objects.get(pk=claim["id"]).status == ClaimStatus.REJECTED
    assert render_check(studio, work, license).allowed
