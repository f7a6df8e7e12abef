from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import ApiToken


class TokenOut(serializers.ModelSerializer[ApiToken]):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "active"]
        read_only_fields = fields


class TokenIssueIn(serializers.Serializer[None]):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Optional end of life; capped by the expiry of the token used."
    )


class TokenIssuedOut(TokenOut):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(TokenOut.Meta):
        fields = [*TokenOut.Meta.fields, "token"]
        read_only_fields = fields


class MeOut(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
