from __future__ import annotations

from django.urls import path

from accounts.api import MeApi, TokenListApi, TokenRevokeApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("tokens/", TokenListApi.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", TokenRevokeApi.as_view(), name="token-revoke"),
]
