"""Revoking needs no reason, and a reason given stays the owner's: the public status statement, the
signed revocation record, the public verifier, the studio's view and its webhook say that and when
the licence ended, never why.

Personas: Ada (actor) revokes with a private reason; the studio that held the licence; an anonymous
member of the public checking the status.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from licensing.lifecycle import license_revoke
from licensing.models import WebhookDelivery
from tests.factories import make_licensed_story

pytestmark = pytest.mark.django_db

SECRET = "my ex-partner produces this film"


def public_status(license_id) -> dict:
    response = APIClient().get(f"/api/v1/licenses/{license_id}/status")
    assert response.status_code == 200
    return response.json()


def test_an_owner_may_revoke_without_a_reason(clock):
    story = make_licensed_story()
    response = story.actor.client().post(f"/api/v1/licenses/{story.license.pk}/revoke/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"


def test_the_reason_is_neither_published_nor_signed_nor_sent_to_the_studio(clock, settings):
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    story = make_licensed_story()
    story.studio.client().post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "organisation_id": str(story.studio.organisation.pk)},
        format="json",
    )
    license_revoke(license=story.license, reason=SECRET, actor=story.actor.user)

    body = public_status(story.license.pk)
    assert body["statement"]["status"] == "revoked" and body["statement"]["since"]
    assert body["statement"]["reason"] is None
    assert body["revocation"]["record"]["reason"] is None
    assert SECRET not in json.dumps(body)

    studio_view = story.studio.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    assert SECRET not in json.dumps(studio_view)
    for delivery in WebhookDelivery.objects.all():
        assert SECRET not in delivery.payload

    owner_view = story.actor.client().get(f"/api/v1/licenses/{story.license.pk}/").json()
    assert owner_view["revoke_reason"] == SECRET
    entry = AuditEntry.objects.filter(action="license.revoked", target_id=str(story.license.pk)).get()
    assert entry.data["reason"] == SECRET  # kept for the owner and the auditors


def test_an_erasure_says_so_publicly_because_it_is_the_platforms_code_not_her_words(clock):
    from likeness.services import likeness_erase

    story = make_licensed_story()
    likeness_erase(likeness=story.actor.likeness, actor=story.actor.user)
    assert public_status(story.license.pk)["statement"]["reason"] == "likeness_erased"
