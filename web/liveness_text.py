"""Words of the live capture for people: each head move, and each refusal code explained.

The codes and the checks stay in likeness (likeness/liveness.py, likeness/proof.py); this is only wording.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MOVES: dict[str, Promise] = {
    "straight": _("Look straight at the camera"),
    "left": _("Turn your head to your left"),
    "right": _("Turn your head to your right"),
    "up": _("Tilt your head up"),
    "back": _("Back to the centre"),
    "hold": _("Hold still, looking at the camera"),
}

REFUSALS: dict[str, Promise] = {
    "liveness_unreadable_clip": _("The recording could not be read. Try again, or use another browser."),
    "liveness_clip_too_large": _("The recording is too large."),
    "liveness_clip_too_long": _("The recording is longer than the challenge allows."),
    "liveness_not_fresh": _("The recording was made before the challenge was issued."),
    "liveness_no_face": _("No face was seen for much of the recording. Face the camera in good light."),
    "liveness_several_faces": _("More than one face was seen. Record yourself alone."),
    "liveness_no_motion": _("No head movement was seen. A still picture cannot pass; follow the moves shown."),
    "liveness_wrong_order": _("The head turns did not follow the challenge in order."),
    "liveness_no_hold": _("Hold still, looking at the camera, at the end."),
    "liveness_face_changed": _("The face changed during the recording."),
    "liveness_face_mismatch": _("The face in the recording is not the face in your enrolment photos."),
    "liveness_replayed": _("This recording was submitted before. Record a new one."),
    "liveness_challenge_expired": _("The challenge expired. Start again and record at once."),
    "liveness_challenge_used": _("This challenge was already used. Start again."),
    "liveness_challenge_unknown": _("No such challenge. Start again."),
    "liveness_not_enrolled": _("Enrol photos of your face first."),
}


def refusal_text(code: str, fallback: str) -> str:
    text = REFUSALS.get(code)
    return str(text) if text is not None else fallback
