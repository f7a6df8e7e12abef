"""The likeness app's stable error codes (owners, enrolment, review, reference photos).

Add new ones; never rename. `PhotoCode` values are the reasons a reference photo is refused
(likeness.photos.REASONS holds their messages to the actor).
"""

from __future__ import annotations

from django.db import models


class LikenessCode(models.TextChoices):
    ALREADY_OWNER = "already_owner", "This user is already a likeness owner"
    NOT_AN_OWNER = "not_an_owner", "Only registered likeness owners may do this"
    NOT_A_DRAFT = "not_a_draft", "Only a draft likeness can be enrolled"
    NOT_FROZEN = "not_frozen", "Only a frozen likeness awaits review"
    LIKENESS_DRAFT = "likeness_draft", "The likeness has no reference photos yet"
    LIKENESS_FROZEN = "likeness_frozen", "The likeness is frozen for review"
    LIKENESS_ERASED = "likeness_erased", "The likeness was erased"
    PHOTO_COUNT = "photo_count", "The number of reference photos is outside the allowed range"
    PHOTOS_DISAGREE = "photos_disagree", "The reference photos do not show the same person"
    TRANSITION_REFUSED = "likeness_transition_refused", "The likeness cannot move from its state to that one"
    LIKENESS_DISPUTED = "likeness_disputed", "The likeness is under dispute (a claim awaits review)"
    LIVENESS_NOT_ENROLLED = "liveness_not_enrolled", "A live capture needs the likeness's enrolment photos first"
    LIVENESS_CHALLENGE_UNKNOWN = "liveness_challenge_unknown", "No such live-capture challenge for you"
    LIVENESS_CHALLENGE_USED = "liveness_challenge_used", "The live-capture challenge was already used"
    LIVENESS_CHALLENGE_EXPIRED = "liveness_challenge_expired", "The live-capture challenge has expired"
    NOT_PROTECTABLE = "not_protectable", "This likeness cannot be registered as protected"
    ALREADY_PROTECTED = "already_protected", "This person is already protected"


class PhotoCode(models.TextChoices):
    UNREADABLE_IMAGE = "unreadable_image", "The file is not a readable image"
    UNSUPPORTED_IMAGE_TYPE = "unsupported_image_type", "Only JPEG and PNG photos are accepted"
    IMAGE_TOO_LARGE = "image_too_large", "The photo is too large"
    NO_FACE = "no_face", "No face was found in the photo"
    SEVERAL_FACES = "several_faces", "The photo shows more than one face"
    FACE_TOO_SMALL = "face_too_small", "The face is too small"
    FACE_NOT_FRONTAL = "face_not_frontal", "The face is turned away from the camera"
