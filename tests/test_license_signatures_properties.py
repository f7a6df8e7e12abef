"""Properties of canonical documents and their signatures, over generated inputs (hypothesis).

- canonicalisation is a fixed point: parsing canonical bytes and canonicalising again gives the
  same bytes, whatever the key order or formatting of the input;
- a scope survives the trip into a document and back;
- a signed licence verifies, and changing any single byte of the document, of either signature, or
  the document's text, makes the check refuse it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensing.documents import (
    b64url,
    b64url_decode,
    canonical,
    countersign_payload,
    license_document,
    parse,
    public_raw,
    sign,
    verify,
)
from licensing.refusals import RefusalReason
from licensing.scope import MEDIA_TYPES, Scope, Use, build_scope
from licensing.verification import SignedLicense, VerifiedDocument, cache_clear, verify_signed

OWNER = Ed25519PrivateKey.generate()
PLATFORM = Ed25519PrivateKey.generate()
KEYS = {"owner-1": public_raw(OWNER.public_key()), "platform-1": public_raw(PLATFORM.public_key())}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    # Integral floats at or past 2**53 read back as integers outside JSON's safe domain, which
    # RFC 8785 refuses; licence documents carry no floats at all (amounts are decimal strings).
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-(2.0**53) + 1, max_value=2.0**53 - 1)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)
scopes = st.builds(
    lambda works, purposes, media, territories, start, days, renders, seconds, label: build_scope(
        works=[{"id": w, "title": f"Work {w[:4]}"} for w in works],
        purposes=purposes,
        media_types=media,
        territories=territories,
        valid_from=start,
        valid_until=start + timedelta(days=days),
        max_renders=renders,
        max_output_seconds=seconds,
        prohibited_uses=[],
        label_text=label,
    ),
    st.lists(st.uuids().map(str), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from([u.value for u in Use]), min_size=1, max_size=4, unique=True),
    st.lists(st.sampled_from(MEDIA_TYPES), min_size=1, unique=True),
    st.lists(st.sampled_from(["FR", "DE", "GB", "JP", "CN", "US"]), min_size=1, max_size=4, unique=True),
    moments,
    st.integers(min_value=1, max_value=3650),
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=1, max_value=7200),
    st.text(min_size=1, max_size=60).filter(lambda t: t.strip() != ""),
)


def signed_licence(scope: Scope) -> SignedLicense:
    document = license_document(
        license_id="4a0c0a53-4d55-4c1e-9d1b-2f0b1d5a7e11",
        version=1,
        likeness={"likeness_id": "likeness-1", "name": "Ada Person"},
        owner_key_id="owner-1",
        licensee={"organisation_id": "studio-1", "name": "Studio Pictures"},
        scope=scope.to_document(),
        issued_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    text = canonical(document).decode()
    owner_signature = sign(OWNER, text.encode())
    countersignature = sign(
        PLATFORM, countersign_payload(document=document, owner_signature=owner_signature, platform_key_id="platform-1")
    )
    return SignedLicense(
        license_id=document["license_id"],
        version=1,
        document=text,
        owner_key_id="owner-1",
        owner_signature=owner_signature,
        platform_key_id="platform-1",
        platform_signature=countersignature,
    )


def check(signed: SignedLicense) -> VerifiedDocument | RefusalReason:
    return verify_signed(signed, owner_key=KEYS.get, platform_key=KEYS.get)


@given(json_objects)
def test_canonical_bytes_are_a_fixed_point_whatever_the_input_formatting(document):
    data = canonical(document)
    assert canonical(parse(data.decode())) == data
    reformatted = json.loads(json.dumps(document, indent=3, sort_keys=False))
    assert canonical(reformatted) == data


@given(scopes)
def test_a_scope_survives_the_trip_into_a_document_and_back(scope):
    restored = Scope.from_document(parse(canonical(scope.to_document()).decode()))
    assert restored == scope
    assert restored.to_document() == scope.to_document()


@given(json_objects)
def test_a_signature_verifies_over_exactly_the_bytes_it_signed(document):
    data = canonical(document)
    signature = sign(OWNER, data)
    assert verify(KEYS["owner-1"], signature, data)
    assert not verify(KEYS["platform-1"], signature, data)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(json_objects, st.data())
def test_any_single_byte_change_to_signed_bytes_is_refused(document, data):
    message = canonical(document)
    signature = sign(OWNER, message)
    index = data.draw(st.integers(min_value=0, max_value=len(message) - 1))
    replacement = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != message[index]))
    changed = message[:index] + bytes([replacement]) + message[index + 1 :]
    assert not verify(KEYS["owner-1"], signature, changed)


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(scopes, st.data())
def test_a_signed_licence_verifies_and_any_single_byte_change_is_refused(scope, data):
    cache_clear()
    signed = signed_licence(scope)
    verified = check(signed)
    assert isinstance(verified, VerifiedDocument) and verified.scope == scope

    raw = signed.document.encode()
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="document byte")
    byte = data.draw(st.integers(min_value=0, max_value=127).filter(lambda b: b != raw[index]))
    # A stored document is text: a byte swapped into the middle of a multi-byte character becomes
    # U+FFFD, which is still a change the signatures must refuse.
    changed_text = (raw[:index] + bytes([byte]) + raw[index + 1 :]).decode("utf-8", errors="replace")
    changed = SignedLicense(**{**signed.__dict__, "document": changed_text})
    assert check(changed) in {RefusalReason.OWNER_SIGNATURE_INVALID, RefusalReason.DOCUMENT_MISMATCH}

    which = data.draw(st.sampled_from(["owner_signature", "platform_signature"]))
    signature = b64url_decode(getattr(signed, which))
    position = data.draw(st.integers(min_value=0, max_value=63), label="signature byte")
    flip = data.draw(st.integers(min_value=1, max_value=255))
    forged = b64url(signature[:position] + bytes([signature[position] ^ flip]) + signature[position + 1 :])
    expected = (
        RefusalReason.OWNER_SIGNATURE_INVALID
        if which == "owner_signature"
        else RefusalReason.PLATFORM_SIGNATURE_INVALID
    )
    assert check(SignedLicense(**{**signed.__dict__, which: forged})) == expected
    # And the untouched licence still verifies: a refusal never poisons the cache.
    assert isinstance(check(signed), VerifiedDocument)


def test_base64url_is_strict():
    for bad in ["ab+c", "ab/c", "abc=", "a", "ab c", "abd"]:  # "abd" has non-zero padding bits
        with pytest.raises(ValueError):
            b64url_decode(bad)
    assert b64url_decode("abc") == b"i\xb7"
