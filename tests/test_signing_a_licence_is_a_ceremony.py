"""Signing a licence on the site is a ceremony: the owner reads every term, ticks that she agrees,
confirms, and keeps a receipt and the signed document. Nothing is signed before the last step, and
a self-custody owner signs with her own key through the same service the API uses.

Personas: Ada owns the likeness; Studio asked for the licence; an outsider sees nothing.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils.html import escape

from licensing.documents import b64url, digest, public_raw, sign, verify
from licensing.models import License
from licensing.refusals import RefusalReason
from licensing.signing_keys import owner_key_register
from licensing.trust import TrustedOwnerKey, pinned_platform_keys, trusted_owner_key
from tests.factories import make_licensed_story, make_persona
from web.explanations import EXPLANATIONS
from web.refusals import SENTENCES

pytestmark = pytest.mark.django_db


def status_of(license: License) -> str:
    return License.objects.get(pk=license.pk).status


def test_the_review_page_shows_the_studio_the_work_every_term_the_fee_and_the_credit(client):
    story = make_licensed_story(approve=False)
    client.force_login(story.actor.user)
    page = client.get(f"/licences/{story.license.pk}/review/").content.decode()
    assert story.studio.organisation.name in page
    assert story.work.title in page
    assert "25.00 EUR per render" in page
    assert "Face of Ada Person, used under licence" in page
    assert "At most 10 renders." in page
    assert "I have read every term above and I agree" in page
    assert status_of(story.license) == "requested", "reading signs nothing"


def test_without_the_tick_nothing_is_signed_at_either_step(client):
    story = make_licensed_story(approve=False)
    client.force_login(story.actor.user)
    confirm = client.post(f"/licences/{story.license.pk}/confirm/", {})
    assert confirm.status_code == 400
    assert "Tick this box to say that you have read and agree" in confirm.content.decode()
    sign_directly = client.post(f"/licences/{story.license.pk}/sign/", {})
    assert sign_directly.status_code == 400
    assert status_of(story.license) == "requested"


def test_the_confirmed_signature_leads_to_a_receipt_and_a_signed_document_that_verifies(client):
    story = make_licensed_story(approve=False)
    client.force_login(story.actor.user)
    confirm = client.post(f"/licences/{story.license.pk}/confirm/", {"agree": "on"})
    assert confirm.status_code == 200 and "Sign the licence" in confirm.content.decode()
    assert status_of(story.license) == "requested", "the confirmation step signs nothing yet"

    signed = client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on"})
    assert signed.status_code == 302 and signed["Location"] == f"/licences/{story.license.pk}/receipt/"
    assert status_of(story.license) == "active"
    receipt = client.get(signed["Location"]).content.decode()
    assert f"/api/v1/licenses/{story.license.pk}/status" in receipt
    assert "Print this receipt" in receipt

    record = json.loads(client.get(f"/licences/{story.license.pk}/signed.json").content)
    canonical = record["canonical_document"].encode()
    owner, platform = record["signatures"]["owner"], record["signatures"]["platform"]
    assert record["document_sha256"] == digest(canonical)
    owner_key = trusted_owner_key(owner["key_id"])
    assert isinstance(owner_key, TrustedOwnerKey)  # a key the platform certified, not just a row
    assert verify(owner_key.public_key, owner["signature"], canonical)
    assert pinned_platform_keys().get(platform["key_id"]) is not None and platform["signature"]
    assert record["status_url"].endswith(f"/api/v1/licenses/{story.license.pk}/status")
    # The status URL answers the live status.
    assert client.get(record["status_url"]).json()["statement"]["status"] == "active"


def test_only_the_owner_reaches_the_signing_steps(client):
    story = make_licensed_story(approve=False)
    for someone in (story.studio.user, make_persona("outsider").user):
        client.force_login(someone)
        assert client.get(f"/licences/{story.license.pk}/review/").status_code == 404
        assert client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on"}).status_code == 404
    assert status_of(story.license) == "requested"


def test_a_self_custody_owner_signs_the_exact_bytes_with_her_own_key(client):
    story = make_licensed_story(approve=False)
    key = Ed25519PrivateKey.generate()
    owner_key_register(owner=story.actor.owner, public_key=b64url(public_raw(key.public_key())), actor=story.actor.user)
    client.force_login(story.actor.user)
    review = client.get(f"/licences/{story.license.pk}/review/").content.decode()
    assert "Download the document to sign" in review
    to_sign = client.get(f"/licences/{story.license.pk}/to-sign.json").content
    assert to_sign == License.objects.get(pk=story.license.pk).document.encode()

    forged = sign(Ed25519PrivateKey.generate(), to_sign)
    refused = client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on", "signature": forged})
    assert refused.status_code == 400
    assert escape(str(EXPLANATIONS[RefusalReason.OWNER_SIGNATURE_INVALID])) in refused.content.decode()
    missing = client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on"})
    assert missing.status_code == 400
    assert escape(str(SENTENCES["signature_required"])) in missing.content.decode()
    assert status_of(story.license) == "requested"

    signed = client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on", "signature": sign(key, to_sign)})
    assert signed.status_code == 302
    assert status_of(story.license) == "active"
    assert License.objects.get(pk=story.license.pk).owner_signature == sign(key, to_sign)


def test_the_ceremony_speaks_her_language():
    story = make_licensed_story(approve=False)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(story.actor.user)
    review = client.get(f"/licences/{story.license.pk}/review/").content.decode()
    assert "我已阅读以上全部条款" in review
    assert "每次渲染 25.00 EUR" in review
    confirm = client.post(f"/licences/{story.license.pk}/confirm/", {"agree": "on"}).content.decode()
    assert "签署许可" in confirm
    client.post(f"/licences/{story.license.pk}/sign/", {"agree": "on"})
    assert "许可回执" in client.get(f"/licences/{story.license.pk}/receipt/").content.decode()
