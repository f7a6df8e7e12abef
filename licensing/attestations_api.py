"""API of attestations: admins trust an organisation; its members vouch for a likeness's owner."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.access import is_admin
from config.errors import NotFound
from licensing.attestations import attestations_of, attester_trust, likeness_attest
from licensing.models import LikenessAttestation, Organisation
from likeness.selectors import likeness_visible_to


class AttestationOut(serializers.ModelSerializer[LikenessAttestation]):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = LikenessAttestation
        fields = ["id", "likeness", "organisation", "organisation_name", "statement", "attested_at"]
        read_only_fields = fields


class AttestationIn(serializers.Serializer[None]):
    organisation_id = serializers.UUIDField()
    statement = serializers.CharField(max_length=500)


class TrustIn(serializers.Serializer[None]):
    note = serializers.CharField(max_length=200)


class AttesterTrustApi(APIView):
    """Admins: trust an organisation to attest who likeness owners are."""

    @extend_schema(request=TrustIn, responses={201: None})
    def post(self, request: Request, organisation_id: uuid.UUID) -> Response:
        organisation = Organisation.objects.filter(pk=organisation_id).first() if is_admin(request.user) else None
        if organisation is None:
            raise NotFound("no such organisation")
        given = TrustIn(data=request.data)
        given.is_valid(raise_exception=True)
        trust = attester_trust(organisation=organisation, note=given.validated_data["note"], actor=request.user)
        return Response(
            {"organisation_id": str(organisation.pk), "note": trust.note, "granted_at": trust.granted_at},
            status=status.HTTP_201_CREATED,
        )


class LikenessAttestationsApi(APIView):
    """The attestations of a likeness (its owner and admins see them); a trusted organisation's member adds one."""

    @extend_schema(responses=AttestationOut(many=True))
    def get(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_visible_to(request.user, likeness_id)
        return Response(AttestationOut(attestations_of(likeness), many=True).data)

    @extend_schema(request=AttestationIn, responses={201: AttestationOut})
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        given = AttestationIn(data=request.data)
        given.is_valid(raise_exception=True)
        attestation = likeness_attest(
            likeness_id=likeness_id,
            organisation_id=given.validated_data["organisation_id"],
            statement=given.validated_data["statement"],
            actor=request.user,
        )
        return Response(AttestationOut(attestation).data, status=status.HTTP_201_CREATED)
