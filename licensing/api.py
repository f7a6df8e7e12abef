from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import user_by_username
from licensing.models import MembershipRole, Organisation, OrganisationKind
from licensing.selectors import members_of, organisation_visible_to, organisations_visible_to
from licensing.serializers import MembershipAddIn, MembershipOut, OrganisationCreateIn, OrganisationOut
from licensing.services import membership_add, membership_remove, organisation_create


class OrganisationListApi(ListAPIView[Organisation]):
    serializer_class = OrganisationOut

    def get_queryset(self) -> Any:
        return organisations_visible_to(self.request.user)

    @extend_schema(request=OrganisationCreateIn, responses={201: OrganisationOut})
    def post(self, request: Request) -> Response:
        given = OrganisationCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        organisation = organisation_create(
            name=given.validated_data["name"],
            kind=OrganisationKind(given.validated_data["kind"]),
            creator=request.user,
            actor=request.user,
        )
        return Response(OrganisationOut(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    @extend_schema(responses=OrganisationOut)
    def get(self, request: Request, organisation_id: uuid.UUID) -> Response:
        return Response(OrganisationOut(organisation_visible_to(request.user, organisation_id)).data)


class MembershipListApi(APIView):
    @extend_schema(responses=MembershipOut(many=True))
    def get(self, request: Request, organisation_id: uuid.UUID) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        return Response(MembershipOut(members_of(organisation), many=True).data)

    @extend_schema(request=MembershipAddIn, responses={201: MembershipOut})
    def post(self, request: Request, organisation_id: uuid.UUID) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        given = MembershipAddIn(data=request.data)
        given.is_valid(raise_exception=True)
        membership = membership_add(
            organisation=organisation,
            user=user_by_username(given.validated_data["username"]),
            role=MembershipRole(given.validated_data["role"]),
            actor=request.user,
        )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, organisation_id: uuid.UUID, user_id: int) -> Response:
        organisation = organisation_visible_to(request.user, organisation_id)
        membership_remove(organisation=organisation, user_id=user_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
