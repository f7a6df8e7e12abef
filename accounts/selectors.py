from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import ApiToken
from config.errors import NotFound


def tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_of(*, user: Any, token_id: int) -> ApiToken:
    """A token of `user`; someone else's token is reported as missing, not forbidden."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("no such token")
    return token
