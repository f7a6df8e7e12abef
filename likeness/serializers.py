from __future__ import annotations

from rest_framework import serializers

from likeness.models import Likeness


class LikenessOut(serializers.ModelSerializer[Likeness]):
    owner_display_name = serializers.CharField(source="owner.display_name", read_only=True)

    class Meta:
        model = Likeness
        fields = ["id", "display_name", "owner_display_name", "status", "licensable", "created_at", "updated_at"]
        read_only_fields = fields


class LikenessCreateIn(serializers.Serializer[None]):
    display_name = serializers.CharField(max_length=200)


class LicensabilityIn(serializers.Serializer[None]):
    licensable = serializers.BooleanField()


class OwnerRegisterIn(serializers.Serializer[None]):
    display_name = serializers.CharField(max_length=200)
