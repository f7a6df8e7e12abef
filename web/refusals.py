"""Refusals in the reader's language: one translated sentence per stable error code the services
raise (config.errors.ErrorCode, the `code="..."` of each DomainError, the photo check's reasons and
the licence gate's RefusalReason), and, for a plain "validation_failed", one per field it names.

The codes, the rules and the API's English messages stay in the services; this is only wording for
pages. `refusal_sentence` falls back to the service's own message only for a code missing here, and
tests/test_refusal_sentences.py fails if any code the services can raise is missing.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError, ErrorCode
from web.explanations import EXPLANATIONS

SENTENCES: dict[str, Promise] = {
    # config.errors.ErrorCode: the generic codes
    ErrorCode.MALFORMED_JSON: _("The request could not be read. Please try again."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: _("This kind of file or request is not accepted here."),
    ErrorCode.VALIDATION_FAILED: _("Some of what you entered is not valid. Please check the form."),
    ErrorCode.NOT_AUTHENTICATED: _("Please sign in first."),
    ErrorCode.INVALID_TOKEN: _("Your sign-in is no longer valid. Please sign in again."),
    ErrorCode.PERMISSION_DENIED: _("You may not do this."),
    ErrorCode.NOT_FOUND: _("There is nothing here, or nothing you may see."),
    ErrorCode.METHOD_NOT_ALLOWED: _("This action cannot be done this way."),
    ErrorCode.NOT_ACCEPTABLE: _("This page cannot answer in the form requested."),
    ErrorCode.THROTTLED: _("Too many attempts in a short time. Please wait a moment and try again."),
    ErrorCode.CONFLICT: _("This cannot be done in the current state. Reload the page to see what changed."),
    ErrorCode.BAD_REQUEST: _("The request could not be understood. Please check what you entered."),
    ErrorCode.REQUEST_TOO_LARGE: _("What you sent is larger than this site accepts."),
    ErrorCode.INTERNAL_ERROR: _("Something went wrong on our side. It has been logged; please try again later."),
    ErrorCode.DATABASE_UNAVAILABLE: _(
        "The site cannot reach its database just now. Nothing was changed; try again shortly."
    ),
    ErrorCode.STORAGE_UNAVAILABLE: _("File storage cannot be reached just now. Nothing was stored; try again shortly."),
    ErrorCode.STORAGE_FULL: _("File storage is full. Nothing was stored."),
    # accounts
    "username_taken": _("This user name is already taken."),
    "unknown_user": _("There is no user with this name."),
    "role_not_grantable": _(
        "This role is not granted directly; it follows from owning a likeness or joining an organisation."
    ),
    "already_owner": _("You are already registered as a likeness owner."),
    # audit
    "audit_chain_broken": _("The audit log has a gap. The platform's operators have to check it."),
    "bad_tree_size": _("This audit log range does not exist."),
    "checkpoint_fork": _("A different audit checkpoint is already stored under this name."),
    "audit_log_empty": _("The audit log is empty; there is nothing to checkpoint."),
    # likeness
    "not_an_owner": _("Only registered likeness owners may do this."),
    "likeness_erased": _("This likeness was erased; nothing about it can change any more."),
    "likeness_draft": _("This likeness is not enrolled yet."),
    "likeness_frozen": _("This likeness is frozen while the platform reviews its enrolment."),
    "likeness_not_licensable": _("This likeness is not open to licence requests."),
    "photo_count": _("Upload one to five photos of your face."),
    "photos_disagree": _("These photos do not show the same person. Upload photos of your face only."),
    "not_a_draft": _("Only a likeness that is not enrolled yet can be enrolled."),
    "not_frozen": _("Only a frozen likeness awaits review."),
    # likeness.photos: why one photo was refused
    "unreadable_image": _("This file is not a readable image."),
    "unsupported_image_type": _("Only JPEG and PNG photos are accepted."),
    "image_too_large": _("This photo is too large."),
    "no_face": _("No face was found in this photo."),
    "several_faces": _("This photo shows more than one face. Upload photos of your face alone."),
    "face_too_small": _("The face is too small. Move closer or use a larger photo."),
    "face_not_frontal": _("The face is turned away. Look straight at the camera."),
    # licensing
    "organisation_exists": _("An organisation of this kind with this name already exists."),
    "already_member": _("This user is already a member."),
    "last_manager": _("An organisation keeps at least one manager."),
    "key_exists": _("This public key is already registered."),
    "work_file_taken": _("This media file is already registered to a work."),
    "holder_lacks_adaptation_right": _(
        "The rights holder has declared no right to adapt this work, so it cannot grant one."
    ),
    "already_revoked": _("This has already been withdrawn."),
    "webhook_url_refused": _("This web address cannot receive notifications."),
    "not_the_owner": _("Only the likeness's owner may decide on this licence."),
    "license_not_pending": _("This licence is no longer awaiting a decision."),
    "signature_required": _("Your key is in your own custody: sign the licence document and upload the signature."),
    "nothing_reserved": _("No use of this licence is reserved."),
    "not_the_licensee": _("Only members of the licensed studio may do this."),
    "mandate_missing": _("You hold no mandate from this likeness's owner."),
    "mandate_act_not_covered": _("Your mandate does not cover this act."),
    "mandate_purpose_not_covered": _("Your mandate does not cover the licence's purposes."),
    "mandate_likeness_not_covered": _("Your mandate does not cover this likeness."),
    "mandate_expired": _("Your mandate is not in force at this time."),
    "mandate_revoked": _("Your mandate has ended."),
    "mandate_credit_missing": _("The licence does not carry the estate's credit line."),
    "guardian_needs_end_date": _("A guardian's mandate ends on a date: give the date."),
    # render
    "not_a_studio_member": _("Only studio members may submit renders."),
    "studio_required": _("You belong to several studios; choose one."),
    "face_index_required": _("Say which face to replace (its number from the left)."),
    "job_finished": _("This render job has already finished."),
    "no_output": _("This render job has no output to download."),
    "link_expired": _("The download link has expired. Open the job page for a new one."),
    "link_invalid": _("The download link is not valid."),
    "worker_lost": _("The render worker stopped during this job."),
    "media_too_large": _("The file is larger than this site accepts."),
    "media_unreadable": _("The file could not be read as an image or a video."),
    "media_unsupported_type": _("Only JPEG, PNG, WebP or MP4 (H.264) files are accepted."),
    "media_too_many_pixels": _("The picture has more pixels than this site accepts."),
    "video_frame_rate_too_high": _("The video has more frames per second than this site accepts."),
    "video_too_long": _("The video is longer than this site accepts."),
    "invalid_id": _("This address names an id that cannot exist. Check the link."),
    "token_expiry_past": _("A token's expiry must be in the future."),
    "token_revoked": _("The token used for this request has been revoked."),
    "webhook_endpoint_limit": _("You have as many active webhook endpoints as allowed. Disable one first."),
    "audit_key_retired": _("The audit signing key has been retired; install the new key before making checkpoints."),
    "bad_witness_key": _("A witness key must be a raw Ed25519 public key of 32 bytes, in base64."),
    "witness_exists": _("A witness with this name or key is already registered."),
    "unknown_witness": _("No active witness is registered with this key."),
    "unknown_checkpoint": _("There is no checkpoint of that size."),
    "bad_cosignature": _("The cosignature does not verify under the witness's key."),
    "no_checkpoint": _("No checkpoint has been made yet."),
    "license_transition_refused": _("The licence is no longer in a state that allows this. Reload the page."),
    "likeness_transition_refused": _("The likeness is no longer in a state that allows this. Reload the page."),
    "render_job_transition_refused": _("The render is no longer in a state that allows this. Reload the page."),
    "liveness_not_enrolled": _("Add your enrolment photos before recording the live check."),
    "liveness_challenge_unknown": _("This live check is not one we gave you. Start a new one."),
    "liveness_challenge_used": _("This live check was already used. Start a new one."),
    "liveness_challenge_expired": _("The time for this live check ran out. Start a new one."),
    "not_protectable": _("This likeness cannot be registered as protected."),
    "already_protected": _("This person is already protected."),
    "not_an_admin": _("Only an administrator may do this."),
    "attester_not_trusted": _("This organisation is not trusted to vouch for likenesses."),
    "already_trusted": _("This organisation is already trusted to vouch for likenesses."),
    "claim_own_likeness": _("You cannot claim a likeness that is already yours."),
    "not_claimable": _("This likeness cannot be claimed in its present state."),
    "claim_decided": _("This claim has already been decided."),
    "month_invalid": _("Choose a month such as 2026-11."),
    "license_id_invalid": _("Choose a licence from the list."),
    "invitation_unknown": _("This invitation link is not valid. Check that you copied all of it."),
    "invitation_revoked": _("The owner revoked this invitation. Ask them for a new link."),
    "invitation_expired": _("This invitation has expired. Ask the owner for a new link."),
    "studio_unknown": _("No studio has this exact name. Check the spelling."),
    "studio_ambiguous": _("More than one studio has this name. Choose it from the list instead."),
    "licence_unusable": _("This licence cannot be used for a render now."),
    "cosign_key_rotated": _("Your key changed after your agent signed; your agent must sign again."),
    "evidence_required": _("An estate's mandate needs the letter of administration."),
    "signature_not_supported": _("Representatives sign with a key the platform keeps for them."),
}

# A plain "validation_failed" names the field at fault in detail["field"]; say what that field needs.
FIELD_SENTENCES: dict[str, Promise] = {
    "display_name": _("Give a name of 1 to 200 characters."),
    "title": _("Give a title of 1 to 300 characters."),
    "sha256": _("The file's fingerprint is not valid."),
    "territories": _("Give country codes such as FR or DE, or WORLD alone for everywhere."),
    "valid_until": _("The end date must be after the start date."),
    "studio_id": _("Choose a studio."),
    "organisation_id": _("Choose one organisation, or none to act as a likeness owner."),
    "events": _("Choose only events from the list."),
    "name": _("Give a name of 1 to 100 characters."),
    "works": _("Choose at least one work, each once."),
    "purposes": _("Choose at least one purpose, and none that the licence prohibits."),
    "prohibited_uses": _("Choose prohibited uses from the list."),
    "media_types": _("Choose still images, video or both."),
    "max_renders": _("Allow between 1 and 1,000,000 renders."),
    "max_output_seconds": _("A licence that permits video names a maximum output length of at least 1 second."),
    "label_text": _("The visible label must be 1 to 200 characters."),
    "public_key": _("Give your public key as a base64url Ed25519 key."),
    "url": _("This web address cannot receive notifications."),
    "fee_per_render": _("Give the fee as an amount with at most two decimals and a currency code such as EUR."),
    "expires_at": _("Give an expiry in the future, or none."),
    "note": _("Write a note of at most 500 characters."),
    "statement": _("Write a statement of 1 to 2,000 characters."),
    "language": _("Choose a language from the list."),
    "license": _("Choose a licence from the list."),
    "month": _("Choose a month such as 2026-11."),
    "days": _("Choose how many days the invitation stays valid, from 1 to 90."),
    "acts": _("Choose at least one act the representative may do."),
    "credit_line": _("Give the credit line the estate requires, at most 200 characters."),
    "evidence": _("Upload the letter of administration."),
    "kind": _("Choose agent, estate or guardian."),
    "likeness_ids": _("Choose at least one of your likenesses."),
    "representative_id": _("Choose the person who will act for you."),
}


def code_sentence(code: str, fallback: str = "") -> str:
    """The sentence for a stored error code (a failed job's error_code); `fallback` if it has none."""
    sentence = SENTENCES.get(code) or EXPLANATIONS.get(code)
    return str(sentence) if sentence is not None else fallback


def refusal_sentence(exc: DomainError) -> str:
    """The refusal as a sentence in the active language (the service's message only for an unknown code)."""
    field = exc.detail.get("field")
    if exc.code == ErrorCode.VALIDATION_FAILED and isinstance(field, str) and field in FIELD_SENTENCES:
        return str(FIELD_SENTENCES[field])
    return code_sentence(exc.code, exc.message)


# Codes that always concern one field of the page's form, though their detail names none.
CODE_FIELDS: dict[str, str] = {
    "work_file_taken": "file",
    "media_too_large": "file",
    "media_unreadable": "file",
    "media_unsupported_type": "file",
    "media_too_many_pixels": "file",
    "video_frame_rate_too_high": "file",
    "video_too_long": "file",
    "face_index_required": "faces",
    "photo_count": "photos",
    "photos_disagree": "photos",
    "likeness_not_licensable": "likeness_id",
    "adaptation_right_missing": "works",
    "signature_required": "signature",
    "owner_signature_invalid": "signature",
}


def refused_field(exc: DomainError, aliases: dict[str, str] | None = None) -> str | None:
    """The form field a refusal concerns: the one its detail names (renamed by `aliases` where the
    page's form calls it otherwise), else the one its code always concerns; None if neither."""
    field: Any = exc.detail.get("field")
    if isinstance(field, str):
        return (aliases or {}).get(field, field)
    return CODE_FIELDS.get(exc.code)
