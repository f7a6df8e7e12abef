from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from likeness.models import Likeness
from likeness.selectors import likeness_visible_to, likenesses_visible_to, owner_of
from likeness.serializers import LicensabilityIn, LikenessCreateIn, LikenessOut, OwnerRegisterIn
from likeness.services import likeness_create, likeness_set_licensable, owner_register


class OwnerRegisterApi(APIView):
    """Register the calling user as a likeness owner (an actor)."""

    @extend_schema(request=OwnerRegisterIn, responses={201: None})
    def post(self, request: Request) -> Response:
        given = OwnerRegisterIn(data=request.data)
        given.is_valid(raise_exception=True)
        owner = owner_register(user=request.user, display_name=given.validated_data["display_name"], actor=request.user)
        return Response({"id": owner.pk, "display_name": owner.display_name}, status=status.HTTP_201_CREATED)


class LikenessListApi(ListAPIView[Likeness]):
    serializer_class = LikenessOut

    def get_queryset(self) -> Any:
        return likenesses_visible_to(self.request.user)

    @extend_schema(request=LikenessCreateIn, responses={201: LikenessOut})
    def post(self, request: Request) -> Response:
        given = LikenessCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        likeness = likeness_create(
            owner=owner_of(request.user), display_name=given.validated_data["display_name"], actor=request.user
        )
        return Response(LikenessOut(likeness).data, status=status.HTTP_201_CREATED)


class LikenessDetailApi(APIView):
    @extend_schema(responses=LikenessOut)
    def get(self, request: Request, likeness_id: uuid.UUID) -> Response:
        return Response(LikenessOut(likeness_visible_to(request.user, likeness_id)).data)


class LikenessLicensabilityApi(APIView):
    @extend_schema(request=LicensabilityIn, responses=LikenessOut)
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        given = LicensabilityIn(data=request.data)
        given.is_valid(raise_exception=True)
        likeness = likeness_set_licensable(
            likeness=likeness_visible_to(request.user, likeness_id),
            licensable=given.validated_data["licensable"],
            actor=request.user,
        )
        return Response(LikenessOut(likeness).data)
