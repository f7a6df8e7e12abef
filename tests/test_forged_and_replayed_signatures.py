"""Forged, replayed, re-ordered and truncated signatures, on licences and on webhooks: each refused.

The story. Ada (an actor) licensed her likeness to a studio for "The Long Take": she signed the
canonical licence document and the platform countersigned it. Mallory is an outsider who holds
genuine material of her own to misuse: a likeness licensed to the same studio (so two genuine
signatures on her own licence), her own Ed25519 key, and her own webhook endpoint (so a genuine
webhook secret). She tries every way of passing off what she holds as Ada's, or of replaying what
she captured:

- Ada's licence at the render gate (`POST /api/v1/licenses/{id}/check/`, which runs
  `license_authorize`): truncated signatures, signatures pasted from Mallory's licence, the owner's
  signature and the countersignature swapped, signatures made with Mallory's key, and documents
  re-ordered or edited. Each answers its `RefusalReason` code.
- Ada's self-custody approval (`POST /api/v1/licenses/{id}/approve/` with a detached signature):
  truncated, padded, replayed, re-ordered and forged signatures answer 400 with a stable code, and
  the licence stays `requested`, unsigned, with no approval audited and no `license.approved`
  webhook queued.
- Revocation records (in the licence's evidence bundle, checked offline by `verify_bundle`) and
  the public signed status answer (checked with the platform key from the JWKS).
- Webhook deliveries, checked by `licensing.webhooks.webhook_signature_verify`, the function the
  platform gives integrators, run here by the studio's real HTTP receiver: tampered bodies,
  truncated signatures, signatures moved onto another delivery, and captured deliveries replayed
  outside the tolerance.
"""

from __future__ import annotations

import base64
import io
import json
import string
import threading
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rest_framework.test import APIClient

from audit.actions import AuditAction
from audit.evidence import verify_bundle
from audit.models import AuditEntry
from config import clock as platform_clock
from licensing.documents import (
    b64url,
    b64url_decode,
    canonical,
    countersign_payload,
    format_time,
    parse,
    public_raw,
    sign,
    verify,
)
from licensing.lifecycle import license_approve, license_request, license_revoke
from licensing.models import DeliveryStatus, License, LicenseStatus, WebhookDelivery
from licensing.tasks import webhook_retry_due_task
from licensing.verification import cache_clear
from licensing.webhooks import (
    EVENT_HEADER,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VerifiedWebhook,
    WebhookRefusal,
    WebhookSignatureError,
    signature,
    webhook_signature_verify,
)
from tests.factories import (
    Actor,
    LicensedStory,
    Member,
    license_terms,
    make_licensable_actor,
    make_licensed_story,
)

pytestmark = pytest.mark.django_db


@dataclass
class Cast:
    story: LicensedStory  # Ada's active licence to the studio
    mallory: Actor
    mallory_key: Ed25519PrivateKey  # Mallory's own Ed25519 key, never registered anywhere
    mallorys_licence: License  # genuine, signed by Mallory and countersigned by the platform

    @property
    def ada(self) -> Actor:
        return self.story.actor

    @property
    def studio(self) -> Member:
        return self.story.studio

    @property
    def licence(self) -> License:
        return self.story.license


@pytest.fixture
def cast(clock: Any) -> Cast:
    cache_clear()  # no verdict cached by an earlier test may answer for this one
    clock.set(clock.now().replace(microsecond=0))  # whole seconds, as webhook timestamps are
    story = make_licensed_story()
    mallory = make_licensable_actor("mallory")
    hers = license_request(
        studio=story.studio.organisation,
        likeness_id=mallory.likeness.pk,
        terms=license_terms([story.work]),
        actor=story.studio.user,
    )
    hers = license_approve(license=hers, actor=mallory.user)
    return Cast(story=story, mallory=mallory, mallory_key=Ed25519PrivateKey.generate(), mallorys_licence=hers)


def gate(cast: Cast) -> dict[str, Any]:
    """The studio's dry run of the render gate on Ada's licence, for a render well inside its scope."""
    response = cast.studio.client().post(
        f"/api/v1/licenses/{cast.licence.pk}/check/",
        {
            "work_file_sha256": cast.story.work.file_sha256,
            "purpose": "film",
            "media_type": "video",
            "territory": "FR",
            "duration_seconds": 60,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert body["allowed"] is (body["reason"] is None)
    return body


def rewrite(licence: License, **fields: str) -> None:
    """What a tampered row, or a licence imported from elsewhere, looks like to the gate."""
    License.objects.filter(pk=licence.pk).update(**fields)


def published_keys() -> dict[str, bytes]:
    """Every key in the public JWKS, by kid: all an outside verifier has."""
    response = APIClient().get("/.well-known/jwks.json")
    assert response.status_code == 200
    return {key["kid"]: b64url_decode(key["x"]) for key in response.json()["keys"]}


B64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _padding_bit_flipped(text: str) -> str:
    """The same bytes, re-encoded with the lowest (unused) bit of the last character set."""
    return text[:-1] + B64URL_ALPHABET[B64URL_ALPHABET.index(text[-1]) ^ 1]


# How a base64url Ed25519 signature (64 bytes, 86 characters) gets truncated or re-encoded.
MANGLES: dict[str, Callable[[str], str]] = {
    "one byte short": lambda s: b64url(b64url_decode(s)[:-1]),
    "only R, the first 32 bytes": lambda s: b64url(b64url_decode(s)[:32]),
    "one character short": lambda s: s[:-1],
    "empty": lambda s: "",
    "standard base64 padding added": lambda s: s + "==",
    "re-encoded with a padding bit set": _padding_bit_flipped,
}


def test_a_re_encoded_signature_is_the_same_bytes_under_another_text() -> None:
    # Guards the table above: that mangle changes the text and nothing else, so refusing it is
    # the strict decoder's doing (one signature, one text), not a changed signature.
    original = b64url(bytes(range(64)))
    mangled = _padding_bit_flipped(original)
    assert mangled != original and len(mangled) == len(original) == 86
    assert base64.urlsafe_b64decode(mangled + "==") == bytes(range(64))


# --- Ada's licence at the render gate ---------------------------------------------------------


def test_adas_licence_as_signed_passes_the_gate(cast: Cast) -> None:
    answer = gate(cast)
    assert answer["allowed"] is True and answer["reason"] is None
    assert answer["duties"]["label_text"] == "AI-altered: licensed likeness"


@pytest.mark.parametrize("mangle", sorted(MANGLES))
@pytest.mark.parametrize(
    ("field", "code"),
    [("owner_signature", "owner_signature_invalid"), ("platform_signature", "platform_signature_invalid")],
)
def test_a_truncated_or_re_encoded_signature_is_refused_at_the_gate(
    cast: Cast, field: str, code: str, mangle: str
) -> None:
    genuine = getattr(cast.licence, field)
    rewrite(cast.licence, **{field: MANGLES[mangle](genuine)})
    assert gate(cast) == {"allowed": False, "reason": code, "duties": None}
    rewrite(cast.licence, **{field: genuine})
    assert gate(cast)["allowed"]  # and a refusal never poisons the cache for the genuine licence


@pytest.mark.parametrize(
    ("pasted", "code"),
    [
        (["owner_signature"], "owner_signature_invalid"),
        (["platform_signature"], "platform_signature_invalid"),
        (["owner_key_id", "owner_signature"], "owner_signature_invalid"),
        (["owner_key_id", "owner_signature", "platform_signature"], "owner_signature_invalid"),
        # Her whole signed document verifies, but it is her licence, not Ada's.
        (["document", "owner_key_id", "owner_signature", "platform_key_id", "platform_signature"], "document_mismatch"),
    ],
    ids=["owner signature", "countersignature", "owner key and signature", "both signatures", "whole document"],
)
def test_signatures_from_mallorys_licence_pasted_onto_adas_are_refused(
    cast: Cast, pasted: list[str], code: str
) -> None:
    rewrite(cast.licence, **{name: getattr(cast.mallorys_licence, name) for name in pasted})
    assert gate(cast)["reason"] == code


def test_the_owner_signature_and_the_countersignature_swapped_are_refused(cast: Cast) -> None:
    licence = cast.licence
    rewrite(licence, owner_signature=licence.platform_signature, platform_signature=licence.owner_signature)
    assert gate(cast)["reason"] == "owner_signature_invalid"
    # Swapping the key ids as well does not help: no owner key has the platform's kid.
    rewrite(licence, owner_key_id=licence.platform_key_id, platform_key_id=licence.owner_key_id)
    assert gate(cast)["reason"] == "owner_signature_invalid"


def test_signatures_made_with_mallorys_own_key_are_refused(cast: Cast) -> None:
    licence = cast.licence
    signed_bytes = licence.document.encode()
    # Her key over Ada's exact document, under Ada's kid.
    rewrite(licence, owner_signature=sign(cast.mallory_key, signed_bytes))
    assert gate(cast)["reason"] == "owner_signature_invalid"

    # She publishes the key as her own self-custody key and names it: her signature now verifies
    # under a published key, but the platform never countersigned it.
    response = cast.mallory.client().post(
        "/api/v1/owner-keys/",
        {"custody": "self", "public_key": b64url(public_raw(cast.mallory_key.public_key()))},
        format="json",
    )
    assert response.status_code == 201, response.content
    mallorys_kid = response.json()["kid"]
    forged_owner_signature = sign(cast.mallory_key, signed_bytes)
    rewrite(licence, owner_key_id=mallorys_kid, owner_signature=forged_owner_signature)
    assert gate(cast)["reason"] == "platform_signature_invalid"

    # She countersigns too, with her key under the platform's kid.
    forged_countersignature = sign(
        cast.mallory_key,
        countersign_payload(
            document=parse(licence.document),
            owner_signature=forged_owner_signature,
            platform_key_id=licence.platform_key_id,
        ),
    )
    rewrite(licence, platform_signature=forged_countersignature)
    assert gate(cast)["reason"] == "platform_signature_invalid"


def test_a_reordered_document_canonicalises_to_what_ada_signed_but_a_changed_value_never_verifies(
    cast: Cast,
) -> None:
    licence = cast.licence
    signed_bytes = licence.document.encode()
    adas_key = published_keys()[licence.owner_key_id]
    document = parse(licence.document)
    reordered = json.dumps(dict(reversed(list(document.items()))), indent=2)
    assert reordered.encode() != signed_bytes

    # RFC 8785: key order and whitespace carry no meaning. Canonicalised again, the re-ordered text
    # is byte for byte what Ada signed, so her signature verifies over the canonical form.
    assert canonical(json.loads(reordered)) == signed_bytes
    assert verify(adas_key, licence.owner_signature, canonical(json.loads(reordered)))
    # The signature covers the canonical bytes, not the re-ordered text...
    assert not verify(adas_key, licence.owner_signature, reordered.encode())
    # ...and the platform stores and checks exactly the canonical bytes: a row holding other text is refused.
    rewrite(licence, document=reordered)
    assert gate(cast)["reason"] == "owner_signature_invalid"

    # A changed value is another canonical document, however it is formatted.
    widened = json.loads(reordered)
    widened["scope"]["max_renders"] = 10_000
    assert not verify(adas_key, licence.owner_signature, canonical(widened))
    rewrite(licence, document=canonical(widened).decode())
    assert gate(cast)["reason"] == "owner_signature_invalid"

    # A duplicated key (JSON parsers keep the last) cannot smuggle the wider scope in either.
    smuggled = licence.document[:-1] + ',"scope":' + json.dumps(widened["scope"]) + "}"
    assert json.loads(smuggled)["scope"]["max_renders"] == 10_000
    assert not verify(adas_key, licence.owner_signature, canonical(json.loads(smuggled)))
    rewrite(licence, document=smuggled)
    assert gate(cast)["reason"] == "owner_signature_invalid"

    rewrite(licence, document=licence.document)
    assert gate(cast)["allowed"]


# --- Ada's self-custody approval --------------------------------------------------------------


@dataclass
class Pending:
    """Ada holds her own key now; the studio asked for two more licences, both awaiting her."""

    adas_key: Ed25519PrivateKey
    licence: License
    other: License  # another request from the same studio to Ada


@pytest.fixture
def pending(cast: Cast) -> Pending:
    adas_key = Ed25519PrivateKey.generate()
    response = cast.ada.client().post(
        "/api/v1/owner-keys/",
        {"custody": "self", "public_key": b64url(public_raw(adas_key.public_key()))},
        format="json",
    )
    assert response.status_code == 201, response.content
    requests = [
        license_request(
            studio=cast.studio.organisation,
            likeness_id=cast.ada.likeness.pk,
            terms=license_terms([cast.story.work], max_renders=renders),
            actor=cast.studio.user,
        )
        for renders in (5, 6)
    ]
    # The studio listens for approvals: a refused approval must not tell it anything.
    response = cast.studio.client().post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/studio", "organisation_id": str(cast.studio.organisation.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Pending(adas_key=adas_key, licence=requests[0], other=requests[1])


def approve(persona: Actor, licence: License, signature: str) -> Any:
    return persona.client().post(f"/api/v1/licenses/{licence.pk}/approve/", {"signature": signature}, format="json")


def approvals_audited(licence: License) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.LICENSE_APPROVED, target_type="licensing.license", target_id=str(licence.pk)
    ).count()


def approvals_announced(licence: License) -> int:
    return WebhookDelivery.objects.filter(event_type="license.approved", payload__contains=str(licence.pk)).count()


def assert_still_pending(licence: License) -> None:
    stored = License.objects.get(pk=licence.pk)
    assert stored.status == LicenseStatus.REQUESTED
    assert (stored.owner_signature, stored.platform_key_id, stored.platform_signature) == ("", "", "")
    assert stored.approved_at is None and stored.document == licence.document
    assert approvals_audited(licence) == 0
    assert approvals_announced(licence) == 0


def _adas(pending: Pending) -> str:
    """Ada's genuine signature over the exact canonical bytes of the pending licence."""
    return sign(pending.adas_key, pending.licence.document.encode())


def _mangled(mangle: Callable[[str], str]) -> Callable[[Pending, Cast], str]:
    return lambda p, c: mangle(_adas(p))


# Each bad signature Ada (or someone holding her session) might upload, and the answer it gets.
BAD_APPROVALS: dict[str, tuple[Callable[[Pending, Cast], str], str]] = {
    **{
        f"her signature, {name}": (_mangled(mangle), "owner_signature_invalid")
        for name, mangle in MANGLES.items()
        if name != "empty"
    },
    "an empty signature": (lambda p, c: "", "validation_failed"),
    "two signatures run together (over 100 characters)": (lambda p, c: _adas(p) * 2, "validation_failed"),
    "her signature over her other pending licence (replayed across documents)": (
        lambda p, c: sign(p.adas_key, p.other.document.encode()),
        "owner_signature_invalid",
    ),
    "her custodial signature on her first licence (replayed)": (
        lambda p, c: c.licence.owner_signature,
        "owner_signature_invalid",
    ),
    "the platform's countersignature on her first licence (re-ordered)": (
        lambda p, c: c.licence.platform_signature,
        "owner_signature_invalid",
    ),
    "her signature over the document re-ordered and indented": (
        lambda p, c: sign(p.adas_key, json.dumps(dict(reversed(parse(p.licence.document).items())), indent=2).encode()),
        "owner_signature_invalid",
    ),
    "her signature over the countersignature payload": (
        lambda p, c: sign(
            p.adas_key,
            countersign_payload(
                document=parse(p.licence.document), owner_signature="", platform_key_id=c.licence.platform_key_id
            ),
        ),
        "owner_signature_invalid",
    ),
    "Mallory's key over the exact canonical document (forged)": (
        lambda p, c: sign(c.mallory_key, p.licence.document.encode()),
        "owner_signature_invalid",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_APPROVALS))
def test_a_bad_uploaded_signature_is_refused_and_the_licence_stays_requested(
    cast: Cast, pending: Pending, case: str
) -> None:
    make, code = BAD_APPROVALS[case]
    response = approve(cast.ada, pending.licence, make(pending, cast))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert_still_pending(pending.licence)

    # The licence was approvable all along: Ada's genuine signature over the canonical bytes works.
    genuine = _adas(pending)
    response = approve(cast.ada, pending.licence, genuine)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active" and response.json()["owner_signature"] == genuine
    assert approvals_audited(pending.licence) == 1 and approvals_announced(pending.licence) == 1


def test_a_signature_made_before_a_key_rotation_is_refused_after_it(cast: Cast, pending: Pending) -> None:
    # Ada signs offline, then rotates her key before uploading: the request was re-issued under the
    # new kid, so the old signature is over a document that no longer exists.
    old_signature = _adas(pending)
    old_document = pending.licence.document
    newer = Ed25519PrivateKey.generate()
    response = cast.ada.client().post(
        "/api/v1/owner-keys/", {"custody": "self", "public_key": b64url(public_raw(newer.public_key()))}, format="json"
    )
    assert response.status_code == 201, response.content
    pending.licence.refresh_from_db()
    assert pending.licence.document != old_document

    response = approve(cast.ada, pending.licence, old_signature)
    assert response.status_code == 400 and response.json()["error"]["code"] == "owner_signature_invalid"
    assert_still_pending(pending.licence)
    response = approve(cast.ada, pending.licence, sign(newer, pending.licence.document.encode()))
    assert response.status_code == 200, response.content


def test_mallory_cannot_approve_adas_licence_and_a_genuine_approval_cannot_be_replayed(
    cast: Cast, pending: Pending
) -> None:
    genuine = _adas(pending)
    response = approve(cast.mallory, pending.licence, genuine)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert_still_pending(pending.licence)

    assert approve(cast.ada, pending.licence, genuine).status_code == 200
    approved = License.objects.get(pk=pending.licence.pk)
    # Replaying the approval (or approving again with another signature) changes nothing.
    for again in (genuine, sign(pending.adas_key, pending.other.document.encode())):
        response = approve(cast.ada, pending.licence, again)
        assert response.status_code == 409 and response.json()["error"]["code"] == "license_not_pending"
    stored = License.objects.get(pk=pending.licence.pk)
    assert (stored.owner_signature, stored.platform_signature, stored.approved_at) == (
        approved.owner_signature,
        approved.platform_signature,
        approved.approved_at,
    )
    assert approvals_audited(pending.licence) == 1 and approvals_announced(pending.licence) == 1


# --- Revocation records and the public status answer ------------------------------------------


def revoke(actor: Actor, licence: License, reason: str) -> None:
    response = actor.client().post(f"/api/v1/licenses/{licence.pk}/revoke/", {"reason": reason}, format="json")
    assert response.status_code == 200, response.content


def evidence_of(persona: Member, licence: License) -> bytes:
    response = persona.client().get(f"/api/v1/licenses/{licence.pk}/evidence")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return bytes(response.content)


def with_licence_evidence(bundle: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The bundle with its licence document edited: what Mallory could hand a court or a client."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "bundle.json":
                body = json.loads(data)
                change(body["documents"]["license"])
                data = json.dumps(body, indent=2, sort_keys=True).encode()
            target.writestr(item.filename, data)
    return rewritten.getvalue()


def status_of(licence: License) -> dict[str, Any]:
    response = APIClient().get(f"/api/v1/licenses/{licence.pk}/status")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _set(name: str, value: Callable[[dict[str, Any], Cast], Any]) -> Callable[[dict[str, Any], Cast], None]:
    def change(document: dict[str, Any], cast: Cast) -> None:
        document[name] = value(document, cast)

    return change


def _mallorys_revocation(document: dict[str, Any], cast: Cast) -> None:
    hers = License.objects.get(pk=cast.mallorys_licence.pk)
    document["revocation"], document["revocation_signature"] = hers.revocation, hers.revocation_signature


def _status_as_revocation(document: dict[str, Any], cast: Cast) -> None:
    # A genuine platform signature over a genuine statement about Ada's licence, but not a revocation.
    answer = status_of(cast.licence)
    document["revocation"] = canonical(answer["statement"]).decode()
    document["revocation_signature"] = answer["signature"]


def _swap_signatures(document: dict[str, Any], cast: Cast) -> None:
    document["owner_signature"], document["platform_signature"] = (
        document["platform_signature"],
        document["owner_signature"],
    )


def _mallorys_key_under_the_platforms_kid(document: dict[str, Any], cast: Cast) -> None:
    # Mallory re-signs the countersignature and the revocation with her key, and puts her public
    # key in the bundle under the platform's kid, so that the bundle is consistent with itself.
    platform_kid = document["platform_key_id"]
    for key in document["keys"]:
        if key["kid"] == platform_kid:
            key["x"] = b64url(public_raw(cast.mallory_key.public_key()))
    payload = countersign_payload(
        document=parse(document["document"]),
        owner_signature=document["owner_signature"],
        platform_key_id=platform_kid,
    )
    document["platform_signature"] = sign(cast.mallory_key, payload)
    record = parse(document["revocation"])
    record["reason"] = "never licensed"
    document["revocation"] = canonical(record).decode()
    document["revocation_signature"] = sign(cast.mallory_key, document["revocation"].encode())


EVIDENCE_TAMPERING: dict[str, tuple[Callable[[dict[str, Any], Cast], None], str]] = {
    "revocation signature one byte short": (
        _set("revocation_signature", lambda d, c: b64url(b64url_decode(d["revocation_signature"])[:-1])),
        "the revocation's signature does not verify",
    ),
    "revocation signature one character short": (
        _set("revocation_signature", lambda d, c: d["revocation_signature"][:-1]),
        "the revocation's signature does not verify",
    ),
    "revocation author edited": (
        _set("revocation", lambda d, c: d["revocation"].replace('"revoked_by":"owner"', '"revoked_by":"admin"')),
        "the revocation's signature does not verify",
    ),
    "revocation record and signature from Mallory's licence": (
        _mallorys_revocation,
        "the revocation names another licence",
    ),
    "signed status answer passed off as the revocation": (
        _status_as_revocation,
        "the revocation record is not a revocation",
    ),
    "owner signature truncated": (
        _set("owner_signature", lambda d, c: d["owner_signature"][:43]),
        "the owner's signature does not verify",
    ),
    "owner signature and countersignature swapped": (
        _swap_signatures,
        "the owner's signature does not verify",
    ),
    "owner signature pasted from Mallory's licence": (
        _set("owner_signature", lambda d, c: c.mallorys_licence.owner_signature),
        "the owner's signature does not verify",
    ),
    "Mallory's key under the platform's kid": (
        _mallorys_key_under_the_platforms_kid,
        "is not the key its kid names",
    ),
}


@pytest.mark.parametrize("case", sorted(EVIDENCE_TAMPERING))
def test_tampered_revocations_and_signatures_in_a_licence_evidence_bundle_fail_the_offline_check(
    cast: Cast, case: str
) -> None:
    revoke(cast.ada, cast.licence, "withdrawn")
    revoke(cast.mallory, cast.mallorys_licence, "withdrawn")
    bundle = evidence_of(cast.studio, cast.licence)
    report = verify_bundle(bundle)
    assert report.ok and report.documents_verified == ["license"], report.problems

    change, problem = EVIDENCE_TAMPERING[case]
    report = verify_bundle(with_licence_evidence(bundle, lambda document: change(document, cast)))
    assert not report.ok
    assert any(problem in found for found in report.problems), report.problems
    assert "license" not in report.documents_verified


def test_a_revocation_signed_after_the_platform_key_rotated_still_checks_out(
    cast: Cast, settings: Any, tmp_path: Any
) -> None:
    # Ada's licence was countersigned under the old platform key; the revocation is signed under the
    # new one. The bundle must carry both keys, or genuine evidence reads as forged. The rotation is
    # what `keys rotate license` does: the old public key is pinned in configuration, then replaced.
    from licensing.trust import retire_current_platform_key

    retire_current_platform_key()
    settings.LICENSE_SIGNING_KEY_FILE = tmp_path / "rotated-platform-key.pem"
    revoke(cast.ada, cast.licence, "withdrawn")
    stored = License.objects.get(pk=cast.licence.pk)
    assert parse(stored.revocation)["platform_key_id"] != stored.platform_key_id
    report = verify_bundle(evidence_of(cast.studio, cast.licence))
    assert report.ok and report.documents_verified == ["license"], report.problems


def test_the_public_status_answer_refuses_truncated_tampered_and_forged_signatures(cast: Cast) -> None:
    answer = status_of(cast.licence)
    statement, genuine = answer["statement"], answer["signature"]
    assert statement["status"] == "active" and statement["license_id"] == str(cast.licence.pk)
    platform = published_keys()[statement["platform_key_id"]]
    assert verify(platform, genuine, canonical(statement))

    for mangle in MANGLES.values():
        assert not verify(platform, mangle(genuine), canonical(statement))
    assert not verify(platform, genuine, canonical({**statement, "status": "revoked"}))
    assert not verify(platform, sign(cast.mallory_key, canonical(statement)), canonical(statement))
    # Mallory's own genuine status answer, relabelled as Ada's, or its signature on Ada's statement.
    hers = status_of(cast.mallorys_licence)
    assert verify(platform, hers["signature"], canonical(hers["statement"]))
    relabelled = {**hers["statement"], "license_id": str(cast.licence.pk)}
    assert not verify(platform, hers["signature"], canonical(relabelled))
    assert not verify(platform, hers["signature"], canonical(statement))
    # The statement is canonical JSON too: re-ordered, it canonicalises to the signed bytes.
    reordered = json.dumps(dict(reversed(list(statement.items()))), indent=1)
    assert verify(platform, genuine, canonical(json.loads(reordered)))
    assert not verify(platform, genuine, reordered.encode())


def test_an_old_active_answer_replayed_after_revocation_cannot_be_passed_off_as_fresh(cast: Cast, clock: Any) -> None:
    captured_at = clock.now()
    old = status_of(cast.licence)
    clock.advance(hours=1)
    revoke(cast.ada, cast.licence, "withdrawn")
    now = status_of(cast.licence)
    platform = published_keys()[now["statement"]["platform_key_id"]]
    assert now["statement"]["status"] == "revoked" and now["statement"]["reason"] is None
    assert verify(platform, now["signature"], canonical(now["statement"]))
    record = now["revocation"]["record"]
    assert record["license_id"] == str(cast.licence.pk) and record["type"] == "likeness-licence-revocation"
    assert verify(platform, now["revocation"]["signature"], canonical(record))

    # Mallory replays the answer she captured an hour ago. It is genuine, and says when it was true:
    assert verify(platform, old["signature"], canonical(old["statement"]))
    assert old["statement"]["checked_at"] == format_time(captured_at)
    # ...and she cannot make it look current: checked_at is signed.
    freshened = {**old["statement"], "checked_at": format_time(clock.now())}
    assert not verify(platform, old["signature"], canonical(freshened))


# --- Webhooks ---------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verdict: str  # "ok" or a WebhookRefusal code


@dataclass
class Receiver:
    """The studio's endpoint: a real HTTP server on 127.0.0.1 that checks every request with
    `webhook_signature_verify` at the platform clock's now, answers 204 or 401 with the code, and
    keeps what it received. `fail_next` makes it answer 503 to that many genuine deliveries."""

    secret: str = ""
    fail_next: int = 0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                try:
                    webhook_signature_verify(
                        secret=receiver.secret, body=body, headers=headers, now=platform_clock.now()
                    )
                except WebhookSignatureError as refusal:
                    verdict, status = refusal.code.value, 401
                else:
                    verdict, status = "ok", 204
                    if receiver.fail_next:
                        receiver.fail_next -= 1
                        status = 503
                receiver.received.append(Received(headers=headers, body=body, verdict=verdict))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def post(self, headers: dict[str, str], body: bytes) -> int:
        """Send a request as Mallory would: the body and the platform's headers, straight to the receiver."""
        sent = {k: v for k, v in headers.items() if k.lower().startswith("likeness-webhook-")}
        sent["Content-Type"] = "application/json"  # urllib sets Content-Length for this body
        request = urllib.request.Request(self.url, data=body, method="POST", headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Hooked:
    receiver: Receiver
    studio_secret: str
    mallory_secret: str


@pytest.fixture
def hooked(cast: Cast, settings: Any) -> Iterator[Hooked]:
    settings.WEBHOOK_ALLOW_INSECURE_LOOPBACK = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver = Receiver().start()
    response = cast.studio.client().post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "organisation_id": str(cast.studio.organisation.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    receiver.secret = response.json()["secret"]
    # Mallory's own endpoint, for events about her own licence: she holds a genuine secret.
    response = cast.mallory.client().post("/api/v1/webhooks/", {"url": "https://hooks.example.com/m"}, format="json")
    assert response.status_code == 201, response.content
    yield Hooked(receiver=receiver, studio_secret=receiver.secret, mallory_secret=response.json()["secret"])
    receiver.close()


@pytest.fixture
def deliveries(cast: Cast, hooked: Hooked, django_capture_on_commit_callbacks: Any) -> list[Received]:
    """The studio receives two events: a new request to Ada, then Ada revoking her licence."""
    with django_capture_on_commit_callbacks(execute=True):
        license_request(
            studio=cast.studio.organisation,
            likeness_id=cast.ada.likeness.pk,
            terms=license_terms([cast.story.work]),
            actor=cast.studio.user,
        )
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=cast.licence, reason="withdrawn", actor=cast.ada.user)
    received = list(hooked.receiver.received)
    assert [json.loads(r.body)["type"] for r in received] == ["license.requested", "license.revoked"]
    return received


def check(hooked: Hooked, headers: dict[str, str], body: bytes, **extra: Any) -> VerifiedWebhook:
    return webhook_signature_verify(
        secret=hooked.studio_secret, body=body, headers=headers, now=platform_clock.now(), **extra
    )


def header(headers: dict[str, str], name: str) -> str:
    return next(value for key, value in headers.items() if key.lower() == name.lower())


def test_the_studios_receiver_accepts_each_genuine_delivery_and_learns_the_signed_event(
    hooked: Hooked, deliveries: list[Received]
) -> None:
    assert [r.verdict for r in deliveries] == ["ok", "ok"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    for received in deliveries:
        event = check(hooked, received.headers, received.body)
        assert event.event_id == header(received.headers, ID_HEADER) == json.loads(received.body)["id"]
        assert event.event_type == header(received.headers, EVENT_HEADER)
        assert event.timestamp == int(header(received.headers, TIMESTAMP_HEADER))


def _replace_header(name: str, value: Callable[[Received, Received, Hooked], str]) -> Any:
    def change(this: Received, other: Received, hooked: Hooked) -> tuple[dict[str, str], bytes]:
        headers = {k: v for k, v in this.headers.items() if k.lower() != name.lower()}
        headers[name] = value(this, other, hooked)
        return headers, this.body

    return change


def _drop_header(name: str) -> Any:
    def change(this: Received, other: Received, hooked: Hooked) -> tuple[dict[str, str], bytes]:
        return {k: v for k, v in this.headers.items() if k.lower() != name.lower()}, this.body

    return change


def _tampered_body(this: Received, other: Received, hooked: Hooked) -> tuple[dict[str, str], bytes]:
    assert b'"revoked_by":"owner"' in this.body.replace(b" ", b"")
    return this.headers, this.body.replace(b'"owner"', b'"admin"')


def _other_body(this: Received, other: Received, hooked: Hooked) -> tuple[dict[str, str], bytes]:
    # The revocation's signature and timestamp, on the request's body: a replay across deliveries.
    return this.headers, other.body


def _signed_by_mallory(this: Received, other: Received, hooked: Hooked) -> tuple[dict[str, str], bytes]:
    forged = this.body.replace(b"withdrawn", b"mistaken!")
    timestamp = int(header(this.headers, TIMESTAMP_HEADER))
    headers = {k: v for k, v in this.headers.items() if k.lower() != SIGNATURE_HEADER.lower()}
    headers[SIGNATURE_HEADER] = signature(secret=hooked.mallory_secret, timestamp=timestamp, body=forged)
    return headers, forged


WEBHOOK_TAMPERING: dict[str, tuple[Any, WebhookRefusal]] = {
    "body tampered": (_tampered_body, WebhookRefusal.SIGNATURE_MISMATCH),
    "signature one hex digit short": (
        _replace_header(SIGNATURE_HEADER, lambda t, o, h: header(t.headers, SIGNATURE_HEADER)[:-1]),
        WebhookRefusal.SIGNATURE_MALFORMED,
    ),
    "signature cut to its scheme": (
        _replace_header(SIGNATURE_HEADER, lambda t, o, h: "v1="),
        WebhookRefusal.SIGNATURE_MALFORMED,
    ),
    "signature without its scheme": (
        _replace_header(SIGNATURE_HEADER, lambda t, o, h: header(t.headers, SIGNATURE_HEADER)[3:]),
        WebhookRefusal.SIGNATURE_MALFORMED,
    ),
    "signature and timestamp of another delivery": (
        lambda t, o, h: (o.headers, t.body),
        WebhookRefusal.SIGNATURE_MISMATCH,
    ),
    "signature of another delivery, own timestamp": (
        _replace_header(SIGNATURE_HEADER, lambda t, o, h: header(o.headers, SIGNATURE_HEADER)),
        WebhookRefusal.SIGNATURE_MISMATCH,
    ),
    "body of another delivery under this signature": (_other_body, WebhookRefusal.SIGNATURE_MISMATCH),
    "timestamp moved by a second": (
        _replace_header(TIMESTAMP_HEADER, lambda t, o, h: str(int(header(t.headers, TIMESTAMP_HEADER)) + 1)),
        WebhookRefusal.SIGNATURE_MISMATCH,
    ),
    "timestamp with a leading zero": (
        _replace_header(TIMESTAMP_HEADER, lambda t, o, h: "0" + header(t.headers, TIMESTAMP_HEADER)),
        WebhookRefusal.TIMESTAMP_MALFORMED,
    ),
    "timestamp in milliseconds": (
        _replace_header(TIMESTAMP_HEADER, lambda t, o, h: header(t.headers, TIMESTAMP_HEADER) + "000"),
        WebhookRefusal.TIMESTAMP_MALFORMED,
    ),
    "timestamp with a sign": (
        _replace_header(TIMESTAMP_HEADER, lambda t, o, h: "+" + header(t.headers, TIMESTAMP_HEADER)),
        WebhookRefusal.TIMESTAMP_MALFORMED,
    ),
    "signature in upper-case hex": (
        _replace_header(SIGNATURE_HEADER, lambda t, o, h: "v1=" + header(t.headers, SIGNATURE_HEADER)[3:].upper()),
        WebhookRefusal.SIGNATURE_MALFORMED,
    ),
    "no signature header": (_drop_header(SIGNATURE_HEADER), WebhookRefusal.HEADER_MISSING),
    "no timestamp header": (_drop_header(TIMESTAMP_HEADER), WebhookRefusal.HEADER_MISSING),
    "forged body signed with Mallory's own secret": (_signed_by_mallory, WebhookRefusal.SIGNATURE_MISMATCH),
    # The Id and Event headers are not signed: a fresh Id would slip a replay past deduplication.
    "fresh event id header": (
        _replace_header(ID_HEADER, lambda t, o, h: str(uuid.uuid4())),
        WebhookRefusal.HEADER_MISMATCH,
    ),
    "event header renamed": (
        _replace_header(EVENT_HEADER, lambda t, o, h: "license.approved"),
        WebhookRefusal.HEADER_MISMATCH,
    ),
}


@pytest.mark.parametrize("case", sorted(WEBHOOK_TAMPERING))
def test_a_tampered_truncated_or_transplanted_delivery_is_refused_with_a_stable_code(
    hooked: Hooked, deliveries: list[Received], case: str
) -> None:
    requested, revoked = deliveries
    change, code = WEBHOOK_TAMPERING[case]
    headers, body = change(revoked, requested, hooked)
    with pytest.raises(WebhookSignatureError) as refused:
        check(hooked, headers, body)
    assert refused.value.code == code and refused.value.code.value == code.value
    # Over HTTP too, as Mallory would send it: the studio's receiver answers 401 with that code.
    assert hooked.receiver.post(headers, body) == 401
    assert hooked.receiver.received[-1].verdict == code.value
    # The genuine delivery still verifies at the same moment.
    assert check(hooked, revoked.headers, revoked.body).event_type == "license.revoked"


def test_a_captured_delivery_replayed_outside_the_tolerance_is_refused(
    hooked: Hooked, deliveries: list[Received], clock: Any
) -> None:
    revoked = deliveries[1]
    sent_at = clock.now()
    assert int(header(revoked.headers, TIMESTAMP_HEADER)) == int(sent_at.timestamp())

    clock.set(sent_at + timedelta(minutes=5))  # the default tolerance, inclusive
    assert check(hooked, revoked.headers, revoked.body).event_type == "license.revoked"
    clock.set(sent_at + timedelta(minutes=5, seconds=1))
    with pytest.raises(WebhookSignatureError) as refused:
        check(hooked, revoked.headers, revoked.body)
    assert refused.value.code == WebhookRefusal.TIMESTAMP_OUTSIDE_TOLERANCE

    # An hour later Mallory replays the captured request byte for byte: the receiver refuses it.
    clock.set(sent_at + timedelta(hours=1))
    assert hooked.receiver.post(revoked.headers, revoked.body) == 401
    assert hooked.receiver.received[-1].verdict == "timestamp_outside_tolerance"
    # Re-dating it breaks the signature.
    fresh = {k: v for k, v in revoked.headers.items() if k.lower() != TIMESTAMP_HEADER.lower()}
    fresh[TIMESTAMP_HEADER] = str(int(clock.now().timestamp()))
    assert hooked.receiver.post(fresh, revoked.body) == 401
    assert hooked.receiver.received[-1].verdict == "signature_mismatch"
    # A receiver may choose a wider tolerance; one whose clock runs behind sees the request from the future.
    assert check(hooked, revoked.headers, revoked.body, tolerance=timedelta(hours=2)).event_type == "license.revoked"
    clock.set(sent_at - timedelta(minutes=6))
    with pytest.raises(WebhookSignatureError) as refused:
        check(hooked, revoked.headers, revoked.body)
    assert refused.value.code == WebhookRefusal.TIMESTAMP_OUTSIDE_TOLERANCE


def test_a_retry_long_after_the_first_attempt_is_signed_afresh_and_accepted(
    cast: Cast, hooked: Hooked, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The tolerance never refuses the platform's own retries: each attempt is signed when it is sent.
    hooked.receiver.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(license=cast.licence, reason="withdrawn", actor=cast.ada.user)
    first = hooked.receiver.received[0]
    assert first.verdict == "ok" and WebhookDelivery.objects.get().status == DeliveryStatus.PENDING

    clock.advance(hours=1)
    assert webhook_retry_due_task() == 1
    retry = hooked.receiver.received[1]
    assert retry.verdict == "ok" and WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert retry.body == first.body
    assert int(header(retry.headers, TIMESTAMP_HEADER)) == int(clock.now().timestamp())
    # Same signed event id both times: the receiver deduplicates on it.
    assert check(hooked, retry.headers, retry.body).event_id == json.loads(first.body)["id"]
    with pytest.raises(WebhookSignatureError) as refused:
        check(hooked, first.headers, first.body)  # the first attempt's own signature is stale by now
    assert refused.value.code == WebhookRefusal.TIMESTAMP_OUTSIDE_TOLERANCE


def test_the_verifier_wants_an_aware_now() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="aware"):
        webhook_signature_verify(secret="s", body=b"{}", headers={}, now=datetime(2030, 1, 1))
