"""`Authorization: Token <token>` authentication against hashed, revocable API tokens."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.tokens import is_well_formed, token_digest

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Token <token>'")
        try:
            candidate = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Malformed API token") from None
        if not is_well_formed(candidate):
            raise AuthenticationFailed("Malformed API token")
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(candidate), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise AuthenticationFailed("Unknown or revoked API token")
        if token.is_expired:
            raise AuthenticationFailed("The API token has expired")
        if not token.user.is_active:
            raise AuthenticationFailed("The token's user is disabled")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD
