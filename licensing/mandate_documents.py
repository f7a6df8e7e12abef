"""Mandate documents and the one coverage rule. Pure functions, no database.

A mandate is an RFC 8785 canonical JSON document signed with Ed25519 like a licence:

    signature = Ed25519(signer key, canonical(mandate document))

where the signer is the owner's key (`granted_by` "owner") or, for an estate granted by an admin on
documented evidence, the platform's key (`granted_by` "admin"); `signer_key_id` names it, and the
key is in the published JWKS.

A licence signed by a representative carries a `signer` block in its document (absent from
documents the owner signs herself, which are unchanged):

    {"mandate_id", "mandate_sha256", "key_id", "representative": {"user_id", "name"},
     "kind", "signed_at", "owner_cosign"}

`key_id` is the representative's key, which made the licence's `owner_signature`. The rule
`mandate_refusal` says whether a mandate covers an act on a likeness for some purposes at a moment,
and both the services (at the moment of acting) and the gate (as of `signed_at`) apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from licensing.documents import FORMAT, canonical, digest, format_time, parse, parse_time, verify

MANDATE_TYPE = "likeness-mandate"
ALL_PURPOSES = "all"

# Reason codes when a representative's act is refused (stable: API bodies and tests use them).
MANDATE_MISSING = "mandate_missing"
MANDATE_ACT_NOT_COVERED = "mandate_act_not_covered"
MANDATE_PURPOSE_NOT_COVERED = "mandate_purpose_not_covered"
MANDATE_EXPIRED = "mandate_expired"
MANDATE_REVOKED = "mandate_revoked"
MANDATE_LIKENESS_NOT_COVERED = "mandate_likeness_not_covered"
MANDATE_CREDIT_MISSING = "mandate_credit_missing"


def mandate_document(
    *,
    mandate_id: str,
    kind: str,
    owner: dict[str, str],
    likeness_ids: list[str],
    representative: dict[str, str],
    acts: list[str],
    purposes: list[str] | None,
    valid_from: datetime,
    valid_until: datetime | None,
    require_owner_cosign: bool,
    evidence_sha256: str | None,
    granted_by: str,
    signer_key_id: str,
    issued_at: datetime,
    credit_line: str | None = None,
) -> dict[str, Any]:
    return {
        "type": MANDATE_TYPE,
        "format": FORMAT,
        "mandate_id": mandate_id,
        "kind": kind,
        "owner": owner,
        "likeness_ids": sorted(likeness_ids),
        "representative": representative,
        "acts": sorted(acts),
        "purposes": ALL_PURPOSES if purposes is None else sorted(purposes),
        "valid_from": format_time(valid_from),
        "valid_until": None if valid_until is None else format_time(valid_until),
        "require_owner_cosign": require_owner_cosign,
        "evidence_sha256": evidence_sha256,
        "credit_line": credit_line,
        "granted_by": granted_by,
        "signer_key_id": signer_key_id,
        "issued_at": format_time(issued_at),
    }


@dataclass(frozen=True)
class Coverage:
    """What is asked of a mandate: an act on a likeness for some purposes, at a moment."""

    act: str
    likeness_id: str
    purposes: tuple[str, ...]
    at: datetime
    attribution: str | None = None  # the licence's credit line, for an estate's that requires one


def mandate_refusal(  # noqa: PLR0911 - one guard per rule, in the order the reasons are reported
    document: dict[str, Any], *, revoked_at: datetime | None, asked: Coverage
) -> str | None:
    """None if the signed mandate `document` (ended at `revoked_at`, if ever) covers `asked`; else
    the reason code. Checked in the order a representative would want to be told."""
    if revoked_at is not None and revoked_at <= asked.at:
        return MANDATE_REVOKED
    until = document.get("valid_until")
    if parse_time(document["valid_from"]) > asked.at or (until is not None and parse_time(until) <= asked.at):
        return MANDATE_EXPIRED
    if asked.likeness_id not in document["likeness_ids"]:
        return MANDATE_LIKENESS_NOT_COVERED
    if asked.act not in document["acts"]:
        return MANDATE_ACT_NOT_COVERED
    purposes = document["purposes"]
    if purposes != ALL_PURPOSES and not set(asked.purposes) <= set(purposes):
        return MANDATE_PURPOSE_NOT_COVERED
    credit = document.get("credit_line")
    if asked.act == "approve" and credit and credit not in (asked.attribution or ""):
        return MANDATE_CREDIT_MISSING
    return None


def signer_block(
    *,
    mandate_id: str,
    mandate_document_text: str,
    key_id: str,
    representative: dict[str, str],
    kind: str,
    signed_at: datetime,
    owner_cosign: bool,
) -> dict[str, Any]:
    return {
        "mandate_id": mandate_id,
        "mandate_sha256": digest(mandate_document_text.encode()),
        "key_id": key_id,
        "representative": representative,
        "kind": kind,
        "signed_at": format_time(signed_at),
        "owner_cosign": owner_cosign,
    }


def signing_key_id(document: dict[str, Any]) -> str:
    """The kid whose signature is the licence's `owner_signature`: the representative's under a
    mandate, otherwise the owner's."""
    signer = document.get("signer")
    if isinstance(signer, dict):
        return str(signer.get("key_id", ""))
    return str(document["licensor"].get("owner_key_id", ""))


def check_signed_under_mandate(
    *,
    license_document: dict[str, Any],
    mandate_text: str,
    mandate_signature: str,
    revoked_at: datetime | None,
    key: Any,
    cosignature: str | None,
    license_bytes: bytes,
) -> list[str]:
    """Problems with a licence signed under a mandate; [] when the mandate is the one named, its
    signature verifies, it covered approval of this licence when it was signed, and (if required)
    the owner co-signed. `key(kid)` returns raw public key bytes or None."""
    problems: list[str] = []
    signer = license_document["signer"]
    if digest(mandate_text.encode()) != signer.get("mandate_sha256"):
        return ["the mandate is not the one the licence names"]
    mandate = parse(mandate_text)
    if canonical(mandate) != mandate_text.encode() or mandate.get("type") != MANDATE_TYPE:
        return ["the mandate is not a canonical mandate document"]
    if mandate.get("mandate_id") != signer.get("mandate_id"):
        problems.append("the mandate names another id")
    public = key(mandate.get("signer_key_id", ""))
    if public is None or not verify(public, mandate_signature, mandate_text.encode()):
        problems.append("the mandate's signature does not verify")
    if mandate.get("granted_by") == "owner" and mandate["signer_key_id"] != mandate["owner"].get("owner_key_id"):
        problems.append("the mandate was not signed by the owner it names")
    if mandate["representative"] != signer.get("representative") or mandate["kind"] != signer.get("kind"):
        problems.append("the licence's signer is not the mandate's representative")
    asked = Coverage(
        act="approve",
        likeness_id=str(license_document["licensor"].get("likeness_id")),
        purposes=tuple(license_document["scope"]["purposes"]),
        at=parse_time(signer["signed_at"]),
        attribution=license_document["scope"].get("duties", {}).get("attribution"),
    )
    if mandate_refusal(mandate, revoked_at=revoked_at, asked=asked) is not None:
        problems.append("the mandate did not cover approving this licence when it was signed")
    if mandate.get("require_owner_cosign") or signer.get("owner_cosign"):
        owner = key(str(license_document["licensor"].get("owner_key_id", "")))
        if owner is None or not cosignature or not verify(owner, cosignature, license_bytes):
            problems.append("the owner's co-signature is missing or does not verify")
    return problems
