"""Human explanations of the licence gate's refusal codes (licensing.refusals.RefusalReason), for
studios reading a refused job. The codes and the decisions stay in licensing; this is only wording."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from licensing.refusals import RefusalReason

EXPLANATIONS: dict[str, Promise] = {
    RefusalReason.LICENSE_NOT_FOUND: _("There is no licence with this id. Check the licence you chose."),
    RefusalReason.OWNER_SIGNATURE_INVALID: _(
        "The owner's signature on the licence does not verify, so the licence cannot be trusted."
    ),
    RefusalReason.PLATFORM_SIGNATURE_INVALID: _(
        "The platform's countersignature on the licence does not verify, so the licence cannot be trusted."
    ),
    RefusalReason.DOCUMENT_MISMATCH: _("The signed document does not belong to this licence."),
    RefusalReason.LICENSE_NOT_ACTIVE: _("The owner has not approved this licence (yet)."),
    RefusalReason.LICENSE_REVOKED: _("The owner revoked this licence; no further renders are allowed."),
    RefusalReason.LICENSE_EXPIRED: _("The licence's term has ended."),
    RefusalReason.LICENSE_NOT_YET_VALID: _("The licence's term has not started yet."),
    RefusalReason.LICENSE_EXHAUSTED: _("Every render this licence allows has been used."),
    RefusalReason.WRONG_LICENSEE: _("This licence was granted to another studio."),
    RefusalReason.LIKENESS_ERASED: _("The owner erased this likeness; it can never be rendered again."),
    RefusalReason.LIKENESS_FROZEN: _("The likeness is frozen while the platform reviews its enrolment."),
    RefusalReason.LIKENESS_DISPUTED: _(
        "Someone has claimed, with a live capture, that this face is hers; its licences are suspended until "
        "the platform decides."
    ),
    RefusalReason.WORK_FILE_UNKNOWN: _(
        "The file you uploaded is not registered to any work. Register it with its work first."
    ),
    RefusalReason.WORK_NOT_IN_SCOPE: _("The file belongs to a work that this licence does not name."),
    RefusalReason.ADAPTATION_RIGHT_MISSING: _(
        "Your studio does not hold the right to adapt this work (for this territory and date)."
    ),
    RefusalReason.PURPOSE_NOT_PERMITTED: _("The licence does not permit this purpose."),
    RefusalReason.USE_PROHIBITED: _("The licence expressly prohibits this use."),
    RefusalReason.MEDIA_TYPE_NOT_PERMITTED: _("The licence does not permit this kind of media (still or video)."),
    RefusalReason.TERRITORY_NOT_PERMITTED: _("The licence does not permit release in this territory."),
    RefusalReason.DURATION_EXCEEDED: _("The output would be longer than the licence allows."),
    RefusalReason.KEY_NOT_CERTIFIED: _(
        "The owner's signing key was never certified by the platform, so the licence cannot be trusted."
    ),
    RefusalReason.PLATFORM_KEY_NOT_PINNED: _(
        "The licence was countersigned by a key the platform does not publish, so it cannot be trusted."
    ),
    RefusalReason.REVOCATION_ON_RECORD: _("A signed revocation of this licence is on record; it cannot be used."),
    RefusalReason.MANDATE_NOT_COVERING: _(
        "The representative who signed this licence had no mandate covering it at the time, so it cannot be used."
    ),
}


def explain(code: str) -> str:
    """The explanation of a refusal code; an unknown code is shown as it is."""
    if not code:
        return ""
    explanation = EXPLANATIONS.get(code)
    return str(explanation) if explanation is not None else code


INVITATION_REFUSALS: dict[str, Promise] = {
    "invitation_unknown": _("This invitation link is not valid. Check that you copied all of it."),
    "invitation_revoked": _("The owner revoked this invitation. Ask them for a new link."),
    "invitation_expired": _("This invitation has expired. Ask the owner for a new link."),
}


def explain_invitation(code: str) -> str:
    explanation = INVITATION_REFUSALS.get(code)
    return str(explanation if explanation is not None else INVITATION_REFUSALS["invitation_unknown"])


def licence_unusable_reason(status: str) -> str:
    """Why a licence in this (effective) status cannot be used for a render, or "" if it can."""
    reasons: dict[str, Promise] = {
        "requested": EXPLANATIONS[RefusalReason.LICENSE_NOT_ACTIVE],
        "declined": _("The owner declined this request."),
        "revoked": EXPLANATIONS[RefusalReason.LICENSE_REVOKED],
        "expired": EXPLANATIONS[RefusalReason.LICENSE_EXPIRED],
        "exhausted": EXPLANATIONS[RefusalReason.LICENSE_EXHAUSTED],
    }
    reason = reasons.get(status)
    return "" if reason is None else str(reason)
