"""The gate's caches hold cryptographic verdicts over exact bytes, never a licence's standing.

Personas: Ada (the actor) licensed her likeness to a studio for "The Long Take" (10 renders, FR/DE/GB,
30 days). The studio renders once, so the gate has verified Ada's signature, the platform's
countersignature and her key's certificate, and keeps those verdicts. A signature is never verified
twice. Then, with every verdict still cached, things change: Mallory (who can write to the database
but holds no key file) edits the signed bytes, the key certificate or the status column; Ada
revokes; the term runs out; the last render is taken. Each is refused as it would be on a cold gate.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from licensing import documents, verification
from licensing.gate import license_authorize
from licensing.lifecycle import license_revoke
from licensing.models import License, LicenseStatus, OwnerKey
from licensing.refusals import RefusalReason
from tests.custody_attacks import set_status_by_hand
from tests.factories import LicensedStory, make_licensed_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every Ed25519 verification the licensing code runs, by the bytes it verified."""
    seen: list[bytes] = []
    real = documents.verify

    def counted(public_key: bytes, signature: str, data: bytes) -> bool:
        seen.append(data)
        return real(public_key, signature, data)

    monkeypatch.setattr(documents, "verify", counted)
    for module in ("licensing.verification", "licensing.trust"):
        monkeypatch.setattr(f"{module}.verify", counted)
    yield seen


@pytest.fixture
def story(clock: Any, verifications: list[bytes]) -> LicensedStory:
    verification.cache_clear()
    story = make_licensed_story()
    assert authorize(story).allowed, "the studio's first render is authorised"
    verifications.clear()
    return story


def authorize(story: LicensedStory, **overrides: Any) -> Any:
    request = {
        "license_id": story.license.pk,
        "studio": story.studio.organisation,
        "work_file_sha256": story.work.file_sha256,
        "purpose": "film",
        "media_type": "video",
        "duration_seconds": 60.0,
        "territory": "FR",
        **overrides,
    }
    return license_authorize(**request)


def test_a_verdict_once_reached_is_not_worked_out_again(story, verifications):
    for _ in range(3):
        assert authorize(story).allowed
    assert authorize(story, reserve=True).use_number == 1
    assert verifications == [], "no signature was verified twice"


def test_edited_signed_bytes_are_verified_afresh_and_refused(story, verifications):
    widened = story.license.document.replace('"max_renders":10', '"max_renders":1000000')
    assert widened != story.license.document
    License.objects.filter(pk=story.license.pk).update(document=widened)

    assert authorize(story).reason == RefusalReason.OWNER_SIGNATURE_INVALID
    assert widened.encode() in verifications, "the edited bytes were checked, not looked up"


def test_another_licences_genuine_document_copied_into_the_row_is_refused(story):
    other = make_licensed_story(territories=["FR", "DE", "GB", "US"])
    assert authorize(other).allowed
    copied = License.objects.get(pk=other.license.pk)
    License.objects.filter(pk=story.license.pk).update(
        document=copied.document,
        owner_key_id=copied.owner_key_id,
        owner_signature=copied.owner_signature,
        platform_key_id=copied.platform_key_id,
        platform_signature=copied.platform_signature,
    )
    assert authorize(story).reason == RefusalReason.DOCUMENT_MISMATCH


def test_a_revocation_after_the_verdict_is_refused_at_once(story):
    license_revoke(license=story.license, reason="", actor=story.actor.user)
    assert authorize(story).reason == RefusalReason.LICENSE_REVOKED

    set_status_by_hand(story.license, LicenseStatus.ACTIVE)
    assert authorize(story).reason == RefusalReason.REVOCATION_ON_RECORD, "the signed record, not the column"


def test_a_key_certificate_edited_after_the_verdict_is_refused(story):
    key = OwnerKey.objects.get(kid=story.license.owner_key_id)
    OwnerKey.objects.filter(pk=key.pk).update(certificate=key.certificate.replace('"custody":', '"custody" :'))
    assert authorize(story).reason == RefusalReason.KEY_NOT_CERTIFIED

    OwnerKey.objects.filter(pk=key.pk).update(certificate=key.certificate, certificate_signature="")
    assert authorize(story).reason == RefusalReason.KEY_NOT_CERTIFIED


def test_the_term_and_the_quota_are_read_on_every_check(story, clock):
    License.objects.filter(pk=story.license.pk).update(renders_used=9)
    assert authorize(story, reserve=True).use_number == 10
    assert authorize(story).reason == RefusalReason.LICENSE_EXHAUSTED

    License.objects.filter(pk=story.license.pk).update(renders_used=0, status=LicenseStatus.ACTIVE)
    assert authorize(story).allowed
    clock.advance(timedelta(days=30, minutes=1))
    assert authorize(story).reason == RefusalReason.LICENSE_EXPIRED
