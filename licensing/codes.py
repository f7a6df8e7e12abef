"""The licensing app's stable error codes, beside the gate's refusal reasons (licensing.refusals).

Add new ones; never rename. A code the gate also uses (e.g. license_not_active) is RefusalReason's.
"""

from __future__ import annotations

from django.db import models


class LicensingCode(models.TextChoices):
    INVITATION_UNKNOWN = "invitation_unknown", "No such invitation"
    INVITATION_REVOKED = "invitation_revoked", "The owner revoked this invitation"
    INVITATION_EXPIRED = "invitation_expired", "This invitation has expired"
    STUDIO_UNKNOWN = "studio_unknown", "No studio has this exact name"
    STUDIO_AMBIGUOUS = "studio_ambiguous", "More than one studio has this name"
    NOT_AN_ADMIN = "not_an_admin", "Only an admin may do this"
    ATTESTER_NOT_TRUSTED = "attester_not_trusted", "The organisation is not trusted to attest enrolments"
    ALREADY_TRUSTED = "already_trusted", "The organisation is already trusted to attest"
    CLAIM_OWN_LIKENESS = "claim_own_likeness", "An owner cannot claim her own likeness"
    NOT_CLAIMABLE = "not_claimable", "The likeness cannot be claimed in its present state"
    CLAIM_DECIDED = "claim_decided", "The claim has already been decided"
    ORGANISATION_EXISTS = "organisation_exists", "An organisation of this kind and name already exists"
    ALREADY_MEMBER = "already_member", "That user is already a member"
    LAST_MANAGER = "last_manager", "An organisation keeps at least one manager"
    WORK_FILE_TAKEN = "work_file_taken", "This media file is already registered to a work"
    HOLDER_LACKS_ADAPTATION_RIGHT = "holder_lacks_adaptation_right", "The holder declared no adaptation right to grant"
    ALREADY_REVOKED = "already_revoked", "This grant is already revoked"
    KEY_EXISTS = "key_exists", "This public key is already registered"
    NOT_THE_OWNER = "not_the_owner", "Only the likeness's owner may decide on this licence"
    NOT_THE_LICENSEE = "not_the_licensee", "Only the licensee's members may do this"
    LIKENESS_NOT_LICENSABLE = "likeness_not_licensable", "The likeness is not open to licences"
    LICENSE_NOT_PENDING = "license_not_pending", "The licence is not awaiting approval"
    SIGNATURE_REQUIRED = "signature_required", "The owner's signature is required"
    NOTHING_RESERVED = "nothing_reserved", "No use of this licence is reserved"
    WEBHOOK_URL_REFUSED = "webhook_url_refused", "The webhook URL is not an allowed destination"
    WEBHOOK_ENDPOINT_LIMIT = "webhook_endpoint_limit", "The organisation has as many webhook endpoints as allowed"
    TRANSITION_REFUSED = "license_transition_refused", "The licence cannot move from its state to that one"
