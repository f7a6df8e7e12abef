"""API of claims: a person proves with her own live capture that an enrolled likeness is her face."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.access import is_admin
from config.errors import NotFound
from licensing.claims import claim_challenge_issue, claim_decide, claim_file
from likeness.liveness_api import LivenessChallengeOut
from likeness.models import LikenessClaim
from likeness.proof import CLIP_MAX_BYTES


class ClaimOut(serializers.ModelSerializer[LikenessClaim]):
    class Meta:
        model = LikenessClaim
        fields = ["id", "likeness", "status", "filed_at", "decided_at", "decision_document", "decision_signature"]
        read_only_fields = fields


class ClaimIn(serializers.Serializer[None]):
    challenge_id = serializers.UUIDField()
    clip = serializers.FileField(help_text="Your live capture of the claim challenge (WebM or MP4).")
    statement = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ClaimDecisionIn(serializers.Serializer[None]):
    decision = serializers.ChoiceField(choices=["transfer", "reject"])


class ClaimChallengeApi(APIView):
    """Say that this likeness is your face: get a live-capture challenge to prove it."""

    @extend_schema(request=None, responses={201: LivenessChallengeOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        challenge = claim_challenge_issue(likeness_id=likeness_id, actor=request.user)
        return Response(LivenessChallengeOut(challenge).data, status=status.HTTP_201_CREATED)


class ClaimApi(APIView):
    """File the claim with your recording; when your face matches, the likeness goes under dispute at once."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ClaimIn}, responses={201: ClaimOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        given = ClaimIn(
            data={
                "challenge_id": request.POST.get("challenge_id"),
                "clip": request.FILES.get("clip"),
                "statement": request.POST.get("statement", ""),
            }
        )
        given.is_valid(raise_exception=True)
        claim = claim_file(
            likeness_id=likeness_id,
            challenge_id=given.validated_data["challenge_id"],
            clip=given.validated_data["clip"].read(CLIP_MAX_BYTES + 1),
            statement=given.validated_data["statement"],
            actor=request.user,
        )
        return Response(ClaimOut(claim).data, status=status.HTTP_201_CREATED)


class ClaimDecisionApi(APIView):
    """Admins: transfer the likeness to the claimant (its licences are revoked as fraudulent) or reject the claim."""

    @extend_schema(request=ClaimDecisionIn, responses=ClaimOut)
    def post(self, request: Request, claim_id: uuid.UUID) -> Response:
        claim = LikenessClaim.objects.filter(pk=claim_id).first() if is_admin(request.user) else None
        if claim is None:
            raise NotFound("no such claim")
        given = ClaimDecisionIn(data=request.data)
        given.is_valid(raise_exception=True)
        claim = claim_decide(claim=claim, uphold=given.validated_data["decision"] == "transfer", actor=request.user)
        return Response(ClaimOut(claim).data)
