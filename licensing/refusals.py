"""The one enumeration of reasons the licence gate refuses a render.

Values are stable machine codes: they appear in API bodies, audit entries and render jobs, so they
never change once written. Add new ones; never rename.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefusalReason(models.TextChoices):
    LICENSE_NOT_FOUND = "license_not_found", _("No such licence")
    OWNER_SIGNATURE_INVALID = "owner_signature_invalid", _("The owner's signature does not verify")
    PLATFORM_SIGNATURE_INVALID = "platform_signature_invalid", _("The platform's countersignature does not verify")
    DOCUMENT_MISMATCH = "document_mismatch", _("The signed document is not this licence's")
    LICENSE_NOT_ACTIVE = "license_not_active", _("The licence was never approved")
    LICENSE_REVOKED = "license_revoked", _("The licence was revoked")
    LICENSE_EXPIRED = "license_expired", _("The licence's term has ended")
    LICENSE_NOT_YET_VALID = "license_not_yet_valid", _("The licence's term has not started")
    LICENSE_EXHAUSTED = "license_exhausted", _("The licence's render quota is used up")
    WRONG_LICENSEE = "wrong_licensee", _("The licence was granted to another studio")
    LIKENESS_ERASED = "likeness_erased", _("The likeness was erased")
    LIKENESS_FROZEN = "likeness_frozen", _("The likeness is frozen for review")
    LIKENESS_DISPUTED = "likeness_disputed", _("The likeness is under dispute (a claim awaits review)")
    WORK_FILE_UNKNOWN = "work_file_unknown", _("The target file is not registered to any work")
    WORK_NOT_IN_SCOPE = "work_not_in_scope", _("The target file's work is not named in the licence")
    ADAPTATION_RIGHT_MISSING = "adaptation_right_missing", _("The studio does not hold the right to adapt the work")
    PURPOSE_NOT_PERMITTED = "purpose_not_permitted", _("The purpose is not permitted by the licence")
    USE_PROHIBITED = "use_prohibited", _("The licence prohibits this use")
    MEDIA_TYPE_NOT_PERMITTED = "media_type_not_permitted", _("The media type is not permitted by the licence")
    TERRITORY_NOT_PERMITTED = "territory_not_permitted", _("The territory is not permitted")
    DURATION_EXCEEDED = "duration_exceeded", _("The output is longer than the licence allows")
    KEY_NOT_CERTIFIED = "key_not_certified", _("The owner's key carries no valid platform certification")
    PLATFORM_KEY_NOT_PINNED = "platform_key_not_pinned", _("The countersigning key is not one the platform pins")
    REVOCATION_ON_RECORD = "revocation_on_record", _("A signed revocation of the licence is on record")
    MANDATE_NOT_COVERING = (
        "mandate_not_covering",
        _("The signer's mandate did not cover this licence when it was signed"),
    )
