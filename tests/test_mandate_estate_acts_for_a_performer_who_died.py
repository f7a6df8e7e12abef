"""An estate acts for a performer who has died: an admin grants the executor's mandate on the
uploaded letter of administration (its sha256 recorded, the mandate signed by the platform), and the
executor approves licences within it, through the API.

Personas: Ada (the actor, deceased) with a studio's request; her estate's executor; an admin; Maya,
who is no admin.
"""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from licensing.lifecycle import license_request
from licensing.mandate_models import Mandate
from licensing.signing_keys import platform_key_current
from likeness.services import likeness_create
from tests.factories import license_terms, make_admin
from tests.mandate_story import ada_with_a_request, new_persona, render_check

pytestmark = pytest.mark.django_db

LETTER = b"%PDF-1.4 Letters of administration: the estate of Ada Person"


def estate_body(story, executor, **fields):
    body = {
        "owner_id": story.actor.owner.pk,
        "representative": executor.user.username,
        "kind": "estate",
        "acts": ["review", "approve", "revoke"],
        "evidence": SimpleUploadedFile("letter.pdf", LETTER, content_type="application/pdf"),
    }
    body.update(fields)
    return body


def test_the_executor_approves_under_an_estate_mandate_granted_by_an_admin_on_evidence(clock):
    story = ada_with_a_request()
    executor, admin = new_persona("executor"), make_admin()

    granted = admin.client().post("/api/v1/mandates/estate/", estate_body(story, executor), format="multipart")
    assert granted.status_code == 201, granted.content
    mandate = granted.json()
    assert mandate["evidence_sha256"] == hashlib.sha256(LETTER).hexdigest()
    assert mandate["document"]["evidence_sha256"] == hashlib.sha256(LETTER).hexdigest()
    assert mandate["document"]["granted_by"] == "admin"
    assert mandate["signer_key_id"] == platform_key_current()[1]

    approved = executor.client().post(f"/api/v1/licenses/{story.license.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["document"]["signer"]["kind"] == "estate"
    story.license.refresh_from_db()
    assert render_check(story).allowed

    revoked = executor.client().post(f"/api/v1/licenses/{story.license.pk}/revoke/", {}, format="json")
    assert revoked.status_code == 200 and revoked.json()["revocation"]["record"]["revoked_by"] == "representative"


def test_only_an_admin_grants_an_estate_and_only_on_a_letter(clock):
    story = ada_with_a_request()
    executor, maya, admin = new_persona("executor"), new_persona("maya"), make_admin()
    refused = maya.client().post("/api/v1/mandates/estate/", estate_body(story, executor), format="multipart")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_an_admin"
    without = estate_body(story, executor)
    del without["evidence"]
    assert admin.client().post("/api/v1/mandates/estate/", without, format="multipart").status_code == 400
    empty = estate_body(story, executor, evidence=SimpleUploadedFile("letter.pdf", b"", content_type="application/pdf"))
    assert admin.client().post("/api/v1/mandates/estate/", empty, format="multipart").status_code == 400
    assert not Mandate.objects.exists()


CREDIT = "Courtesy of the Estate of Ada Person"


def test_the_estate_requires_its_credit_line_in_every_licence_it_approves(clock):
    admin, executor = make_admin(), new_persona("executor")
    plain = ada_with_a_request()
    granted = admin.client().post(
        "/api/v1/mandates/estate/", estate_body(plain, executor, credit_line=CREDIT), format="multipart"
    )
    assert granted.status_code == 201 and granted.json()["document"]["credit_line"] == CREDIT
    refused = executor.client().post(f"/api/v1/licenses/{plain.license.pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "mandate_credit_missing"

    credited = license_request(
        studio=plain.studio.organisation,
        likeness_id=plain.actor.likeness.pk,
        terms=license_terms([plain.work], attribution=f"Face of Ada Person. {CREDIT}"),
        actor=plain.studio.user,
    )
    approved = executor.client().post(f"/api/v1/licenses/{credited.pk}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "active"


def test_the_estate_takes_on_only_enrolled_likenesses_and_enrols_no_new_photos(clock):
    story = ada_with_a_request()
    admin, executor = make_admin(), new_persona("executor")
    draft = likeness_create(owner=story.actor.owner, display_name="Ada, unfinished", actor=story.actor.user)
    granted = admin.client().post("/api/v1/mandates/estate/", estate_body(story, executor), format="multipart")
    assert granted.json()["likeness_ids"] == [str(story.actor.likeness.pk)]
    upload = SimpleUploadedFile("face.jpg", b"not a photo", content_type="image/jpeg")
    enrol = executor.client().post(
        f"/api/v1/likenesses/{draft.pk}/enrolment/", {"photos": [upload]}, format="multipart"
    )
    assert enrol.status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
    asked = estate_body(story, executor)
    asked["likeness_ids"] = [str(draft.pk)]
    refused = admin.client().post("/api/v1/mandates/estate/", asked, format="multipart")
    assert refused.status_code == 400 and refused.json()["error"]["detail"]["field"] == "likeness_ids"
