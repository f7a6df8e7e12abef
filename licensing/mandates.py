"""Mandates: grant (the owner, signing with her key; or an admin for an estate, on an uploaded
letter of administration whose sha256 is recorded, signed by the platform), end (at once), list,
and find the mandate under which a representative may do an act now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.actors import Actor
from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from licensing.documents import canonical, digest, parse, sign
from licensing.keys import decrypt
from licensing.mandate_documents import (
    MANDATE_MISSING,
    Coverage,
    mandate_document,
    mandate_refusal,
)
from licensing.mandate_models import Mandate, MandateAct, MandateKind
from licensing.models import KeyCustody, OwnerKey
from licensing.scope import Use
from licensing.signing_keys import owner_current_key, platform_key_current
from likeness.models import Likeness, LikenessOwner, LikenessStatus


@dataclass(frozen=True)
class MandateTerms:
    representative: User
    kind: MandateKind
    acts: list[str]
    purposes: list[str] | None  # None: all purposes
    valid_until: datetime | None
    valid_from: datetime | None = None
    likeness_ids: list[uuid.UUID] | None = None  # None: every likeness the owner has now
    require_owner_cosign: bool = False
    credit_line: str | None = None  # an estate's: licences it approves must credit it so


def _validate(owner: LikenessOwner, terms: MandateTerms, now: datetime) -> tuple[list[str], datetime]:
    if terms.representative.pk == owner.user_id:
        raise Invalid("an owner does not need a mandate to act for herself", detail={"field": "representative_id"})
    acts = sorted(set(terms.acts))
    if not acts or any(a not in MandateAct.values for a in acts):
        raise Invalid(f"acts must be a non-empty subset of {sorted(MandateAct.values)}", detail={"field": "acts"})
    if terms.purposes is not None and (not terms.purposes or any(p not in Use.values for p in terms.purposes)):
        raise Invalid("purposes must be licensing uses, or omitted for all", detail={"field": "purposes"})
    valid_from = terms.valid_from or now
    if terms.kind == MandateKind.GUARDIAN and terms.valid_until is None:
        raise Invalid(
            "a guardian's mandate ends on a date: valid_until is required",
            code="guardian_needs_end_date",
            detail={"field": "valid_until"},
        )
    if terms.valid_until is not None and terms.valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    if terms.require_owner_cosign and terms.kind != MandateKind.AGENT:
        raise Invalid("only an agent's approvals can wait for the owner's co-signature", detail={"field": "kind"})
    credit = (terms.credit_line or "").strip()
    if credit and terms.kind != MandateKind.ESTATE:
        raise Invalid("only an estate's mandate requires a credit line", detail={"field": "credit_line"})
    if len(credit) > 200:
        raise Invalid("a credit line is at most 200 characters", detail={"field": "credit_line"})
    likenesses = Likeness.objects.filter(owner=owner)
    if terms.kind == MandateKind.ESTATE:
        # The likeness stays as the performer left it: an estate licenses what was enrolled, and
        # takes on no draft that would need new photos.
        likenesses = likenesses.filter(status=LikenessStatus.ENROLLED)
    owned = {str(pk) for pk in likenesses.values_list("pk", flat=True)}
    wanted = owned if terms.likeness_ids is None else {str(pk) for pk in terms.likeness_ids}
    if not wanted or not wanted <= owned:
        raise Invalid("the likenesses must be the owner's own", detail={"field": "likeness_ids"})
    return sorted(wanted), valid_from


def _grant(
    *,
    owner: LikenessOwner,
    terms: MandateTerms,
    actor: Actor,
    granted_by: str,
    evidence_sha256: str | None,
) -> Mandate:
    now = clock.now()
    likeness_ids, valid_from = _validate(owner, terms, now)
    with transaction.atomic():
        owner_key = owner_current_key(owner, actor)
        if granted_by == "owner":
            if owner_key.custody != KeyCustody.CUSTODIAL or owner_key.encrypted_private_key is None:
                raise Invalid(
                    "your key is self-custody: mandates are signed with a custodial key in this version",
                    code="signature_required",
                )
            private = Ed25519PrivateKey.from_private_bytes(
                decrypt(bytes(owner_key.encrypted_private_key), context=owner_key.kid)
            )
            signer_kid = owner_key.kid
        else:
            private, signer_kid = platform_key_current()
        mandate = Mandate(
            owner=owner,
            representative=terms.representative,
            kind=terms.kind,
            acts=sorted(set(terms.acts)),
            purposes=None if terms.purposes is None else sorted(set(terms.purposes)),
            likeness_ids=likeness_ids,
            valid_from=valid_from,
            valid_until=terms.valid_until,
            evidence_sha256=evidence_sha256 or "",
            require_owner_cosign=terms.require_owner_cosign,
            granted_by=actor,  # type: ignore[misc]
            signer_key_id=signer_kid,
            created_at=now,
        )
        document = mandate_document(
            mandate_id=str(mandate.pk),
            kind=terms.kind.value,
            owner={"owner_id": str(owner.pk), "name": owner.display_name, "owner_key_id": owner_key.kid},
            likeness_ids=likeness_ids,
            representative=representative_party(terms.representative),
            acts=mandate.acts,
            purposes=mandate.purposes,
            valid_from=valid_from,
            valid_until=terms.valid_until,
            require_owner_cosign=terms.require_owner_cosign,
            evidence_sha256=evidence_sha256,
            granted_by=granted_by,
            signer_key_id=signer_kid,
            issued_at=now,
            credit_line=(terms.credit_line or "").strip() or None,
        )
        data = canonical(document)
        mandate.document = data.decode()
        mandate.signature = sign(private, data)
        mandate.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.MANDATE_GRANTED,
            target=mandate,
            data={
                "owner_id": owner.pk,
                "representative_id": terms.representative.pk,
                "kind": terms.kind.value,
                "acts": mandate.acts,
                "purposes": mandate.purposes,
                "document_sha256": digest(data),
                "signer_key_id": signer_kid,
                "evidence_sha256": evidence_sha256,
            },
        )
    return mandate


def representative_party(user: User) -> dict[str, str]:
    return {"user_id": str(user.pk), "name": user.get_full_name() or user.get_username()}


def mandate_grant(*, owner: LikenessOwner, terms: MandateTerms, actor: Actor) -> Mandate:
    """The owner grants a mandate (agent or guardian), signed with her key."""
    if owner.user_id != getattr(actor, "pk", None):
        raise Forbidden("only the likeness's owner may grant a mandate", code="not_the_owner")
    if terms.kind == MandateKind.ESTATE:
        raise Invalid(
            "an estate's mandate is granted by an admin on a letter of administration", detail={"field": "kind"}
        )
    return _grant(owner=owner, terms=terms, actor=actor, granted_by="owner", evidence_sha256=None)


def mandate_grant_estate(*, owner: LikenessOwner, terms: MandateTerms, evidence: bytes, actor: Actor) -> Mandate:
    """An admin grants an estate's mandate on documented evidence (the uploaded letter of
    administration, recorded by its sha256), signed by the platform. The likenesses are frozen:
    an estate may license what exists, never enrol new photos."""
    if not is_admin(actor):
        raise Forbidden("only an admin grants an estate's mandate", code="not_an_admin")
    if terms.kind != MandateKind.ESTATE:
        raise Invalid("this grant is for estates", detail={"field": "kind"})
    if not evidence:
        raise Invalid(
            "the letter of administration is required", code="evidence_required", detail={"field": "evidence"}
        )
    return _grant(owner=owner, terms=terms, actor=actor, granted_by="admin", evidence_sha256=digest(evidence))


def mandate_end(*, mandate_id: uuid.UUID, reason: str, actor: Actor) -> Mandate:
    """End a mandate at once (the owner, the representative, or an admin). Licences the
    representative validly signed stay in force until the owner revokes them."""
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().select_related("owner").filter(pk=mandate_id).first()
        if mandate is None or not (
            is_admin(actor) or getattr(actor, "pk", None) in (mandate.owner.user_id, mandate.representative_id)
        ):
            raise NotFound("no such mandate")
        if mandate.revoked_at is not None:
            raise Conflict("this mandate has already ended", code="mandate_revoked")
        mandate.revoked_at = clock.now()
        mandate.revoke_reason = reason.strip()[:500]
        mandate.save(update_fields=["revoked_at", "revoke_reason"])
        audit_record(
            actor=actor, action=AuditAction.MANDATE_ENDED, target=mandate, data={"reason": mandate.revoke_reason}
        )
    return mandate


def mandates_visible_to(user: Any) -> QuerySet[Mandate]:
    """An owner sees the mandates she granted, a representative those he holds; admins all."""
    mandates = Mandate.objects.select_related("owner", "representative").order_by("-created_at")
    if is_admin(user):
        return mandates
    return mandates.filter(Q(owner__user=user) | Q(representative=user))


def mandate_visible_to(user: Any, mandate_id: uuid.UUID) -> Mandate:
    mandate = mandates_visible_to(user).filter(pk=mandate_id).first()
    if mandate is None:
        raise NotFound("no such mandate")
    return mandate


def mandates_live_for(user: Any, *, at: datetime | None = None) -> QuerySet[Mandate]:
    at = clock.now() if at is None else at
    return Mandate.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=at),
        representative=user,
        revoked_at__isnull=True,
        valid_from__lte=at,
    )


# A representative sees a licence only if his mandate lets him do something with licences.
LICENCE_ACTS = frozenset({"review", "approve", "decline", "revoke", "see_renders"})


def likeness_ids_represented_by(user: Any, *, acts: frozenset[str] = LICENCE_ACTS) -> set[str]:
    """The likenesses `user` acts for now under a mandate listing at least one of `acts`."""
    ids: set[str] = set()
    for likeness_ids, granted in mandates_live_for(user).values_list("likeness_ids", "acts"):
        if acts & set(granted):
            ids.update(likeness_ids)
    return ids


def renders_hidden_from(user: Any, license: Any) -> bool:
    """A representative whose mandate does not list see_renders sees the licence, not its renders.
    Everyone else who can see the licence (owner, licensee, admin) sees them."""
    if is_admin(user) or license.likeness.owner.user_id == getattr(user, "pk", None):
        return False
    if license.licensee.memberships.filter(user_id=getattr(user, "pk", None)).exists():
        return False
    return str(license.likeness_id) not in likeness_ids_represented_by(user, acts=frozenset({"see_renders"}))


def mandate_for_act(
    *, user: Any, likeness: Likeness, act: str, purposes: tuple[str, ...], attribution: str | None = None
) -> Mandate:
    """The mandate under which `user` may do `act` on `likeness` for `purposes` now, or Forbidden
    with the reason code of the most recent mandate that came closest."""
    asked = Coverage(act=act, likeness_id=str(likeness.pk), purposes=purposes, at=clock.now(), attribution=attribution)
    reasons: list[str] = []
    for mandate in Mandate.objects.filter(representative=user, owner_id=likeness.owner_id).order_by("-created_at"):
        reason = mandate_refusal(parse(mandate.document), revoked_at=mandate.revoked_at, asked=asked)
        if reason is None:
            return mandate
        reasons.append(reason)
    code = reasons[0] if reasons else MANDATE_MISSING
    raise Forbidden(f"no mandate lets you {act} for this likeness now ({code})", code=code)


def representative_signing_key(user: User, actor: Actor) -> OwnerKey:
    """The representative's own signing key. Keys are owner keys (published in the JWKS and looked
    up by the gate the same way): a representative without one is registered as a key holder."""
    holder = LikenessOwner.objects.filter(user=user).first()
    if holder is None:
        from likeness.services import owner_register

        holder = owner_register(user=user, display_name=representative_party(user)["name"], actor=actor)
    return owner_current_key(holder, actor)
