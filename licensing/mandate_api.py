"""The mandate API: owners grant and end mandates, admins grant estates' on evidence, and
representatives see the likenesses they act for and the requests waiting for them."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import user_by_username
from config.errors import Forbidden, NotFound
from licensing.mandate_models import MandateKind
from licensing.mandate_selectors import representation_of
from licensing.mandate_serializers import (
    EstateMandateIn,
    MandateIn,
    MandateOut,
    RepresentedLikenessOut,
    WaitingRequestOut,
)
from licensing.mandates import (
    MandateTerms,
    mandate_end,
    mandate_grant,
    mandate_grant_estate,
    mandate_visible_to,
    mandates_visible_to,
)
from licensing.serializers import ReasonIn
from likeness.models import LikenessOwner
from likeness.selectors import owner_of


def _terms(data: dict[str, Any]) -> MandateTerms:
    return MandateTerms(
        representative=user_by_username(data["representative"]),
        kind=MandateKind(data["kind"]),
        acts=list(data["acts"]),
        purposes=None if data["purposes"] is None else list(data["purposes"]),
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        likeness_ids=data["likeness_ids"],
        require_owner_cosign=data["require_owner_cosign"],
        credit_line=data["credit_line"],
    )


class MandateListApi(APIView):
    """GET: the mandates the caller granted or holds. POST: the owner grants one, signed with her key."""

    @extend_schema(responses=MandateOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(MandateOut(mandates_visible_to(request.user), many=True).data)

    @extend_schema(request=MandateIn, responses={201: MandateOut})
    def post(self, request: Request) -> Response:
        given = MandateIn(data=request.data)
        given.is_valid(raise_exception=True)
        owner = owner_of(request.user)
        if owner is None:
            raise Forbidden("only likeness owners grant mandates", code="not_an_owner")
        mandate = mandate_grant(owner=owner, terms=_terms(given.validated_data), actor=request.user)
        return Response(MandateOut(mandate).data, status=status.HTTP_201_CREATED)


class EstateMandateApi(APIView):
    """An admin grants an estate's mandate on the uploaded letter of administration (multipart)."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=EstateMandateIn, responses={201: MandateOut})
    def post(self, request: Request) -> Response:
        given = EstateMandateIn(data=request.data)
        given.is_valid(raise_exception=True)
        owner = LikenessOwner.objects.filter(pk=given.validated_data["owner_id"]).first()
        if owner is None:
            raise NotFound("no such likeness owner")
        mandate = mandate_grant_estate(
            owner=owner,
            terms=_terms(given.validated_data),
            evidence=given.validated_data["evidence"].read(),
            actor=request.user,
        )
        return Response(MandateOut(mandate).data, status=status.HTTP_201_CREATED)


class MandateDetailApi(APIView):
    @extend_schema(responses=MandateOut)
    def get(self, request: Request, mandate_id: uuid.UUID) -> Response:
        return Response(MandateOut(mandate_visible_to(request.user, mandate_id)).data)


class MandateEndApi(APIView):
    """The owner, the representative or an admin ends a mandate, at once."""

    @extend_schema(request=ReasonIn, responses=MandateOut)
    def post(self, request: Request, mandate_id: uuid.UUID) -> Response:
        given = ReasonIn(data=request.data)
        given.is_valid(raise_exception=True)
        mandate = mandate_end(mandate_id=mandate_id, reason=given.validated_data["reason"], actor=request.user)
        return Response(MandateOut(mandate).data)


class RepresentationApi(APIView):
    """The representative's dashboard: the likenesses he acts for now, and the requests waiting."""

    @extend_schema(responses=None)
    def get(self, request: Request) -> Response:
        likenesses, waiting = representation_of(request.user)
        return Response(
            {
                "likenesses": RepresentedLikenessOut(likenesses, many=True).data,
                "waiting": WaitingRequestOut(waiting, many=True).data,
            }
        )
