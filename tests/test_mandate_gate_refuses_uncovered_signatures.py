"""The render gate refuses a licence whose representative's mandate did not cover approving it when
it was signed (`mandate_not_covering`), however well signed it is otherwise.

Personas: Ada (the actor) and a studio with a licence request; Maya, her agent, whose mandate lets
her review only. A licence is made to look approved by Maya (her key's signature and the platform's
countersignature are genuine): the gate must still refuse it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import clock as platform_clock
from licensing.documents import canonical, countersign_payload, parse, sign
from licensing.keys import decrypt
from licensing.mandate_documents import signer_block
from licensing.mandate_models import Mandate, MandateKind
from licensing.mandates import MandateTerms, mandate_grant, representative_party, representative_signing_key
from licensing.models import License, LicenseStatus
from licensing.signing_keys import platform_key_current
from licensing.verification import cache_clear
from tests.mandate_story import ada_with_a_request, new_persona, render_check

pytestmark = pytest.mark.django_db


def grant(story, maya, acts, **terms):
    return mandate_grant(
        owner=story.actor.owner,
        terms=MandateTerms(
            representative=maya.user, kind=MandateKind.AGENT, acts=acts, purposes=None, valid_until=None, **terms
        ),
        actor=story.actor.user,
    )


def signed_by_maya(story, maya, mandate: Mandate, *, signed_at=None, mandate_text=None) -> None:
    """Make the licence active as if Maya had approved it under `mandate`, with genuine signatures."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = representative_signing_key(maya.user, maya.user)
    document = parse(story.license.document)
    document["signer"] = signer_block(
        mandate_id=str(mandate.pk),
        mandate_document_text=mandate_text or mandate.document,
        key_id=key.kid,
        representative=representative_party(maya.user),
        kind=mandate.kind,
        signed_at=signed_at or platform_clock.now(),
        owner_cosign=False,
    )
    data = canonical(document)
    assert key.encrypted_private_key is not None
    private = Ed25519PrivateKey.from_private_bytes(decrypt(bytes(key.encrypted_private_key), context=key.kid))
    signature = sign(private, data)
    platform, platform_kid = platform_key_current()
    countersignature = sign(
        platform, countersign_payload(document=document, owner_signature=signature, platform_key_id=platform_kid)
    )
    License.objects.filter(pk=story.license.pk).update(
        document=data.decode(),
        owner_key_id=key.kid,
        owner_signature=signature,
        platform_key_id=platform_kid,
        platform_signature=countersignature,
        status=LicenseStatus.ACTIVE,
    )
    cache_clear()


def test_a_licence_signed_under_a_review_only_mandate_is_refused(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    signed_by_maya(story, maya, grant(story, maya, ["review"]))
    assert render_check(story).reason == "mandate_not_covering"


def test_the_same_licence_under_a_mandate_that_covers_approval_passes(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    signed_by_maya(story, maya, grant(story, maya, ["approve"]))
    assert render_check(story).allowed


def test_a_signature_dated_before_the_mandate_began_is_refused(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate = grant(story, maya, ["approve"], valid_from=clock.now() + timedelta(hours=1))
    signed_by_maya(story, maya, mandate)
    assert render_check(story).reason == "mandate_not_covering"


def test_a_signature_made_after_the_mandate_ended_is_refused(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate = grant(story, maya, ["approve"])
    Mandate.objects.filter(pk=mandate.pk).update(revoked_at=clock.now() - timedelta(minutes=1))
    signed_by_maya(story, maya, mandate)
    assert render_check(story).reason == "mandate_not_covering"


def test_a_licence_naming_another_version_of_the_mandate_is_refused(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate = grant(story, maya, ["approve"])
    widened = parse(mandate.document)
    widened["acts"] = ["approve", "revoke"]
    signed_by_maya(story, maya, mandate, mandate_text=canonical(widened).decode())
    assert render_check(story).reason == "mandate_not_covering"


def test_a_mandate_edited_after_the_gate_honoured_it_is_refused_at_the_next_check(clock):
    story = ada_with_a_request()
    maya = new_persona("maya")
    mandate = grant(story, maya, ["approve"])
    signed_by_maya(story, maya, mandate)
    assert render_check(story).allowed
    widened = parse(mandate.document)
    widened["purposes"] = "all"
    widened["acts"] = ["approve", "revoke", "see_earnings"]
    Mandate.objects.filter(pk=mandate.pk).update(document=canonical(widened).decode())
    assert render_check(story).reason == "mandate_not_covering"
