from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.throttling import EnrolRateThrottle
from config.uploads import upload_limit
from likeness.codes import PhotoCode
from likeness.models import Likeness
from likeness.selectors import likeness_visible_to, likenesses_visible_to, owner_of
from likeness.serializers import EnrolmentIn, LicensabilityIn, LikenessCreateIn, LikenessOut, OwnerRegisterIn, ReviewIn
from likeness.services import (
    PhotoUpload,
    likeness_check_enrollable,
    likeness_create,
    likeness_enrol,
    likeness_erase,
    likeness_review,
    likeness_set_licensable,
    owner_register,
)


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
            owner=owner_of(request.user),
            display_name=given.validated_data["display_name"],
            licensable=given.validated_data["licensable"],
            actor=request.user,
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


@upload_limit("LIKENESS_PHOTO_MAX_BYTES", max_files=5, too_large_code=PhotoCode.IMAGE_TOO_LARGE)
class LikenessEnrolmentApi(APIView):
    """Upload 1-5 photos of your own face (multipart field `photos`, repeated) to enrol a draft likeness.

    Rate-limited per user (ENROL_RATE). The likeness is checked before the body is parsed, and the body
    is cut off past five photos' worth of LIKENESS_PHOTO_MAX_BYTES (413 image_too_large)."""

    parser_classes = [MultiPartParser]
    throttle_classes = [EnrolRateThrottle]

    @extend_schema(request={"multipart/form-data": EnrolmentIn}, responses=LikenessOut)
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_visible_to(request.user, likeness_id)
        likeness_check_enrollable(likeness)  # before a byte of the photos is read
        given = EnrolmentIn(data={"photos": request.FILES.getlist("photos")})
        given.is_valid(raise_exception=True)
        uploads = [
            PhotoUpload(name=f.name or f"photo-{i + 1}", data=f.read())
            for i, f in enumerate(given.validated_data["photos"])
        ]
        likeness = likeness_enrol(likeness=likeness, photos=uploads, actor=request.user)
        return Response(LikenessOut(likeness).data)


class LikenessErasureApi(APIView):
    """Erase your likeness: its biometric data is destroyed for good and its licences end."""

    @extend_schema(request=None, responses=LikenessOut)
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        likeness = likeness_erase(likeness=likeness_visible_to(request.user, likeness_id), actor=request.user)
        return Response(LikenessOut(likeness).data)


class LikenessReviewApi(APIView):
    """Admins: approve a frozen enrolment, or reject it (the likeness is erased)."""

    @extend_schema(request=ReviewIn, responses=LikenessOut)
    def post(self, request: Request, likeness_id: uuid.UUID) -> Response:
        given = ReviewIn(data=request.data)
        given.is_valid(raise_exception=True)
        likeness = likeness_review(
            likeness=likeness_visible_to(request.user, likeness_id),
            approve=given.validated_data["decision"] == "approve",
            actor=request.user,
        )
        return Response(LikenessOut(likeness).data)
