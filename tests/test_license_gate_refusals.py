"""The render gate, `license_authorize`: one test per reason it refuses, and what it grants.

Personas: Ada (the actor) licensed her likeness to a studio for "The Long Take", held by a rights
holder who granted the studio the right to adapt it: film and series, image and video, FR/DE/GB,
30 days, 10 renders of at most 120 seconds. A rival studio holds its own grant on the same work but
no licence from Ada.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from licensing.documents import b64url, canonical, countersign_payload, parse, sign
from licensing.gate import license_authorize
from licensing.lifecycle import license_revoke, licenses_end_for_erased_likeness
from licensing.models import License, RightKind
from licensing.refusals import RefusalReason
from licensing.verification import cache_clear
from licensing.works import adaptation_grant_revoke
from likeness.models import Likeness, LikenessStatus
from tests.factories import grant_adaptation, make_licensed_story, make_studio, make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(clock):
    cache_clear()
    return make_licensed_story()


def authorize(story, **overrides):
    request = {
        "license_id": story.license.pk,
        "studio": story.studio.organisation,
        "work_file_sha256": story.work.file_sha256,
        "purpose": "film",
        "media_type": "video",
        "duration_seconds": 60.0,
        "territory": "FR",
    }
    request.update(overrides)
    return license_authorize(**request)


def tamper(story, **fields) -> None:
    License.objects.filter(pk=story.license.pk).update(**fields)


def test_a_render_within_scope_is_authorised_with_the_licence_duties(story):
    decision = authorize(story)
    assert decision.allowed and decision.reason is None
    assert decision.work_id == str(story.work.pk)
    assert decision.likeness_id == str(story.actor.likeness.pk)
    assert decision.duties["label_text"] == "AI-altered: licensed likeness"
    assert decision.duties["fee_per_render"] == {"amount": "25.00", "currency": "EUR"}


def test_an_unknown_licence_is_refused(story):
    assert authorize(story, license_id=uuid.uuid4()).reason == RefusalReason.LICENSE_NOT_FOUND
    assert authorize(story, license_id="not-a-uuid").reason == RefusalReason.LICENSE_NOT_FOUND


def test_a_forged_owner_signature_is_refused(story):
    forged = sign(Ed25519PrivateKey.generate(), story.license.document.encode())
    tamper(story, owner_signature=forged)
    assert authorize(story).reason == RefusalReason.OWNER_SIGNATURE_INVALID


def test_a_forged_countersignature_is_refused(story):
    document = parse(story.license.document)
    forged = sign(
        Ed25519PrivateKey.generate(),
        countersign_payload(
            document=document,
            owner_signature=story.license.owner_signature,
            platform_key_id=story.license.platform_key_id,
        ),
    )
    tamper(story, platform_signature=forged)
    assert authorize(story).reason == RefusalReason.PLATFORM_SIGNATURE_INVALID


def test_a_countersignature_over_another_owner_signature_is_refused(story):
    # The owner's signature is swapped for a valid-looking one that the platform never countersigned.
    raw = base64.urlsafe_b64decode(story.license.owner_signature + "==")
    tamper(story, owner_signature=b64url(bytes([raw[0] ^ 1]) + raw[1:]))
    assert authorize(story).reason == RefusalReason.OWNER_SIGNATURE_INVALID


def test_a_document_edited_after_signing_is_refused_even_after_a_cached_pass(story):
    assert authorize(story).allowed  # verified once, so the verdict is in the cache
    document = parse(story.license.document)
    document["scope"]["max_renders"] = 10_000
    document["scope"]["territories"] = ["WORLD"]
    tamper(story, document=canonical(document).decode())
    assert authorize(story, territory="US").reason == RefusalReason.OWNER_SIGNATURE_INVALID


def test_a_document_reformatted_but_equal_as_json_is_refused(story):
    # The signature covers the exact canonical bytes; a non-canonical rewrite is not what was signed.
    tamper(story, document=json.dumps(parse(story.license.document), indent=2))
    assert authorize(story).reason == RefusalReason.OWNER_SIGNATURE_INVALID


def test_a_validly_signed_document_moved_onto_another_licence_is_refused(story):
    other = make_licensed_story()
    tamper(
        story,
        document=other.license.document,
        owner_key_id=other.license.owner_key_id,
        owner_signature=other.license.owner_signature,
        platform_key_id=other.license.platform_key_id,
        platform_signature=other.license.platform_signature,
    )
    assert authorize(story).reason == RefusalReason.DOCUMENT_MISMATCH


def test_a_valid_licence_presented_by_a_different_studio_is_refused(story):
    rival = make_studio("rival")
    grant_adaptation(story.work, holder=story.rights_holder, studio=rival)
    assert authorize(story, studio=rival.organisation).reason == RefusalReason.WRONG_LICENSEE


def test_a_file_registered_to_no_work_is_refused(story):
    assert authorize(story, work_file_sha256="ab" * 32).reason == RefusalReason.WORK_FILE_UNKNOWN


def test_a_work_outside_the_scope_is_refused_even_if_the_studio_may_adapt_it(story):
    other_work = make_work(story.rights_holder, title="Another Film")
    grant_adaptation(other_work, holder=story.rights_holder, studio=story.studio)
    assert authorize(story, work_file_sha256=other_work.file_sha256).reason == RefusalReason.WORK_NOT_IN_SCOPE


def test_a_work_whose_adaptation_grant_was_revoked_is_refused(story):
    grant = story.work.adaptation_grants.get()
    adaptation_grant_revoke(grant=grant, reason="contract ended", actor=story.rights_holder.user)
    assert authorize(story).reason == RefusalReason.ADAPTATION_RIGHT_MISSING


def test_a_work_whose_adaptation_grant_has_lapsed_is_refused(story, clock):
    grant = story.work.adaptation_grants.get()
    type(grant).objects.filter(pk=grant.pk).update(valid_until=clock.now() + timedelta(days=2))
    assert authorize(story).allowed
    clock.advance(days=3)
    assert authorize(story).reason == RefusalReason.ADAPTATION_RIGHT_MISSING


def test_a_grant_that_does_not_cover_the_territory_is_refused(story):
    grant = story.work.adaptation_grants.get()
    type(grant).objects.filter(pk=grant.pk).update(territories=["DE"])
    assert authorize(story, territory="DE").allowed
    assert authorize(story, territory="FR").reason == RefusalReason.ADAPTATION_RIGHT_MISSING


def test_a_holder_that_never_had_the_adaptation_right_cannot_pass_it_on(clock):
    story = make_licensed_story()
    story.work.rights.filter(right=RightKind.ADAPT).delete()
    assert authorize(story).reason == RefusalReason.ADAPTATION_RIGHT_MISSING


def test_a_studio_holding_its_own_work_may_render_it(clock):
    from licensing.lifecycle import license_approve, license_request
    from tests.factories import license_terms, make_licensable_actor

    actor, studio = make_licensable_actor("ada"), make_studio("selfheld")
    own_work = make_work(studio, title="Our Own Film")  # the studio registers itself as the holder
    license = license_request(
        studio=studio.organisation, likeness_id=actor.likeness.pk, terms=license_terms([own_work]), actor=studio.user
    )
    license_approve(license=license, actor=actor.user)
    decision = license_authorize(
        license_id=license.pk,
        studio=studio.organisation,
        work_file_sha256=own_work.file_sha256,
        purpose="film",
        media_type="image",
        duration_seconds=0,
        territory="GB",
    )
    assert decision.allowed


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"purpose": "advertising"}, RefusalReason.PURPOSE_NOT_PERMITTED),
        ({"purpose": "no-such-purpose"}, RefusalReason.PURPOSE_NOT_PERMITTED),
        ({"purpose": "political_campaigning"}, RefusalReason.USE_PROHIBITED),
        ({"purpose": "sexual_content"}, RefusalReason.USE_PROHIBITED),
        ({"media_type": "audio"}, RefusalReason.MEDIA_TYPE_NOT_PERMITTED),
        ({"territory": "US"}, RefusalReason.TERRITORY_NOT_PERMITTED),
        ({"territory": ""}, RefusalReason.TERRITORY_NOT_PERMITTED),
        ({"duration_seconds": 120.5}, RefusalReason.DURATION_EXCEEDED),
        ({"duration_seconds": -1.0}, RefusalReason.DURATION_EXCEEDED),
    ],
)
def test_a_render_outside_the_scope_is_refused(story, overrides, reason):
    assert authorize(story, **overrides).reason == reason


def test_the_longest_permitted_output_passes(story):
    assert authorize(story, duration_seconds=120.0).allowed


def test_media_type_is_limited_by_the_scope(clock):
    story = make_licensed_story(media_types=["image"], max_output_seconds=None)
    assert authorize(story, media_type="image", duration_seconds=0).allowed
    assert authorize(story, media_type="video").reason == RefusalReason.MEDIA_TYPE_NOT_PERMITTED


def test_an_expired_licence_is_refused_even_before_the_expiry_sweep_runs(story, clock):
    clock.advance(days=30, minutes=1)
    assert License.objects.get(pk=story.license.pk).status == "active"
    assert authorize(story).reason == RefusalReason.LICENSE_EXPIRED


def test_a_licence_not_yet_valid_is_refused(clock):
    start = clock.now() + timedelta(days=2)
    story = make_licensed_story(valid_from=start, valid_until=start + timedelta(days=5))
    assert authorize(story).reason == RefusalReason.LICENSE_NOT_YET_VALID
    clock.advance(days=2)
    assert authorize(story).allowed


def test_a_revoked_licence_is_refused_at_once(story):
    assert authorize(story).allowed
    license_revoke(license=story.license, reason="no longer comfortable", actor=story.actor.user)
    assert authorize(story).reason == RefusalReason.LICENSE_REVOKED


def test_an_exhausted_licence_is_refused(clock):
    story = make_licensed_story(max_renders=1)
    assert authorize(story, reserve=True).use_number == 1
    assert License.objects.get(pk=story.license.pk).status == "exhausted"
    assert authorize(story).reason == RefusalReason.LICENSE_EXHAUSTED


def test_an_erased_likeness_is_refused(story):
    Likeness.objects.filter(pk=story.actor.likeness.pk).update(status=LikenessStatus.ERASED)
    assert authorize(story).reason == RefusalReason.LIKENESS_ERASED
    licenses_end_for_erased_likeness(likeness=story.actor.likeness, actor=None)
    assert authorize(story).reason == RefusalReason.LICENSE_REVOKED


def test_a_frozen_likeness_is_refused(story):
    Likeness.objects.filter(pk=story.actor.likeness.pk).update(status=LikenessStatus.FROZEN)
    assert authorize(story).reason == RefusalReason.LIKENESS_FROZEN


def test_a_requested_but_unsigned_licence_is_refused(clock):
    story = make_licensed_story(approve=False)
    assert authorize(story).reason == RefusalReason.LICENSE_NOT_ACTIVE


def test_every_refusal_reason_is_a_stable_snake_case_code():
    assert all(reason.value.islower() and " " not in reason.value for reason in RefusalReason)
    assert len({reason.value for reason in RefusalReason}) == len(RefusalReason)
