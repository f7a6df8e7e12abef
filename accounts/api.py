from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.roles import user_roles
from accounts.selectors import token_of, tokens_of
from accounts.serializers import MeOut, TokenIssuedOut, TokenIssueIn, TokenOut
from accounts.services import token_issue, token_revoke
from config.errors import row_id
from config.throttling import TokenIssueRateThrottle, throttles_for_post


class MeApi(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request: Request) -> Response:
        user = request.user
        roles = sorted(role.value for role in user_roles(user))
        return Response(MeOut({"id": user.pk, "username": user.get_username(), "roles": roles}).data)


class TokenListApi(APIView):
    def get_throttles(self) -> list[Any]:
        return throttles_for_post(self.request, TokenIssueRateThrottle)

    @extend_schema(responses=TokenOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(TokenOut(tokens_of(user=request.user), many=True).data)

    @extend_schema(request=TokenIssueIn, responses={201: TokenIssuedOut})
    def post(self, request: Request) -> Response:
        given = TokenIssueIn(data=request.data)
        given.is_valid(raise_exception=True)
        issued = token_issue(
            user=request.user,
            name=given.validated_data["name"],
            actor=request.user,
            expires_at=given.validated_data.get("expires_at"),
            minted_by=request.auth if isinstance(request.auth, ApiToken) else None,
        )
        body = {**TokenOut(issued.token).data, "token": issued.plaintext}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    @extend_schema(request=None, responses=TokenOut)
    def delete(self, request: Request, token_id: int) -> Response:
        token = token_revoke(
            token=token_of(user=request.user, token_id=row_id(token_id, field="token_id")), actor=request.user
        )
        return Response(TokenOut(token).data)
