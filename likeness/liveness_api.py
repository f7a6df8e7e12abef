"""API of the live capture (proof of person): get a challenge, then upload the clip recorded for it."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from likeness.models import LivenessChallenge
from likeness.proof import CLIP_MAX_BYTES, liveness_challenge_issue, liveness_submit
from likeness.protection import protected_face_register, protection_challenge_issue
from likeness.selectors import likeness_visible_to
from likeness.serializers import LikenessOut


class LivenessChallengeOut(serializers.ModelSerializer[LivenessChallenge]):
    class Meta:
        model = LivenessChallenge
        fields = ["id", "sequence", "issued_at", "expires_at", "used_at", "outcome"]
        read_only_fields = fields


class LivenessClipIn(serializers.Serializer[None]):
    challenge_id = serializers.UUIDField()
    clip = serializers.FileField(
        help_text=f"The recorded clip (WebM or MP4, at most {CLIP_MAX_BYTES // (1024 * 1024)} MiB and 20 s)."
    )


class LivenessResultOut(serializers.Serializer[None]):
    challenge = LivenessChallengeOut()
    likeness = LikenessOut()


class LivenessChallengeApi(APIView):
    """A fresh single-use challenge: turn your head in `sequence` order, then hold still, before `expires_at`."""

    @extend_schema(request=None, responses={201: LivenessChallengeOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        challenge = liveness_challenge_issue(
            likeness=likeness_visible_to(request.user, likeness_id), actor=request.user
        )
        return Response(LivenessChallengeOut(challenge).data, status=status.HTTP_201_CREATED)


class LivenessClipApi(APIView):
    """Upload the clip recorded for a challenge (multipart: `challenge_id`, `clip`); refusals carry a reason code."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": LivenessClipIn}, responses=LivenessResultOut)
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_visible_to(request.user, likeness_id)
        given = LivenessClipIn(
            data={"challenge_id": request.POST.get("challenge_id"), "clip": request.FILES.get("clip")}
        )
        given.is_valid(raise_exception=True)
        upload = given.validated_data["clip"]
        clip = upload.read(CLIP_MAX_BYTES + 1)
        challenge = liveness_submit(
            likeness=likeness, challenge_id=given.validated_data["challenge_id"], clip=clip, actor=request.user
        )
        likeness.refresh_from_db()
        return Response({"challenge": LivenessChallengeOut(challenge).data, "likeness": LikenessOut(likeness).data})


class ProtectionChallengeApi(APIView):
    """Admins: a live-capture challenge for the person whose not-licensable likeness is to be protected."""

    @extend_schema(request=None, responses={201: LivenessChallengeOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_visible_to(request.user, likeness_id)
        challenge = protection_challenge_issue(likeness=likeness, actor=request.user)
        return Response(LivenessChallengeOut(challenge).data, status=status.HTTP_201_CREATED)


class ProtectionApi(APIView):
    """Admins: register the face as protected with the person's own recording (multipart `challenge_id`, `clip`)."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": LivenessClipIn}, responses={201: LikenessOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_visible_to(request.user, likeness_id)
        given = LivenessClipIn(
            data={"challenge_id": request.POST.get("challenge_id"), "clip": request.FILES.get("clip")}
        )
        given.is_valid(raise_exception=True)
        protected_face_register(
            likeness=likeness,
            challenge_id=given.validated_data["challenge_id"],
            clip=given.validated_data["clip"].read(CLIP_MAX_BYTES + 1),
            actor=request.user,
        )
        likeness.refresh_from_db()
        return Response(LikenessOut(likeness).data, status=status.HTTP_201_CREATED)
