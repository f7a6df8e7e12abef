"""A likeness owner's live capture: the page, a fresh challenge, and the recorded clip's verdict.

The page's script (web/static/web/liveness.js) records the camera with MediaRecorder while it
shows the challenge's moves one after the other, then uploads the clip; both calls answer JSON.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from likeness.proof import CLIP_MAX_BYTES, liveness_challenge_issue, liveness_submit, person_verified
from likeness.selectors import likeness_visible_to
from web.liveness_text import MOVES, refusal_text
from web.pages import page


@page
def live_capture(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    return render(
        request,
        "web/liveness.html",
        {"likeness": likeness, "verified": person_verified(likeness), "moves": {k: str(v) for k, v in MOVES.items()}},
    )


def _refused(exc: DomainError, status: int) -> JsonResponse:
    return JsonResponse(
        {"passed": False, "code": exc.code, "message": refusal_text(exc.code, exc.message)}, status=status
    )


@page
@require_POST
def live_capture_challenge(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    try:
        challenge = liveness_challenge_issue(likeness=likeness, actor=request.user)
    except DomainError as exc:
        return _refused(exc, 409)
    return JsonResponse(
        {"id": str(challenge.pk), "sequence": list(challenge.sequence), "expires_at": challenge.expires_at.isoformat()}
    )


@page
@require_POST
def live_capture_clip(request: HttpRequest, likeness_id: uuid.UUID) -> HttpResponse:
    likeness = likeness_visible_to(request.user, likeness_id)
    upload = request.FILES.get("clip")
    try:
        challenge_id = uuid.UUID(request.POST.get("challenge_id", ""))
    except ValueError:
        challenge_id = None
    if upload is None or challenge_id is None:
        return JsonResponse(
            {"passed": False, "code": "invalid", "message": _("Send the recording and its challenge.")}, status=400
        )
    try:
        liveness_submit(
            likeness=likeness, challenge_id=challenge_id, clip=upload.read(CLIP_MAX_BYTES + 1), actor=request.user
        )
    except DomainError as exc:
        return _refused(exc, 400)
    return JsonResponse(
        {
            "passed": True,
            "code": "passed",
            "message": _("Passed: it is you. Your likeness can now be licensed, if you allow it."),
        }
    )
