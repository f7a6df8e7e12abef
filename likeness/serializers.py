from __future__ import annotations

from rest_framework import serializers

from likeness.models import Likeness


class LikenessOut(serializers.ModelSerializer[Likeness]):
    owner_display_name = serializers.CharField(source="owner.display_name", read_only=True)
    reference_photos = serializers.SerializerMethodField()

    class Meta:
        model = Likeness
        fields = [
            "id",
            "display_name",
            "owner_display_name",
            "status",
            "licensable",
            "reference_photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reference_photos(self, likeness: Likeness) -> int:
        return likeness.photos.count()


class LikenessCreateIn(serializers.Serializer[None]):
    display_name = serializers.CharField(max_length=200)
    licensable = serializers.BooleanField(
        default=True, help_text="false registers the face only to protect it: no licence can be requested."
    )


class EnrolmentIn(serializers.Serializer[None]):
    photos = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=5, help_text="1 to 5 JPEG/PNG photos of your face."
    )


class ReviewIn(serializers.Serializer[None]):
    decision = serializers.ChoiceField(choices=["approve", "reject"])


class LicensabilityIn(serializers.Serializer[None]):
    licensable = serializers.BooleanField()


class OwnerRegisterIn(serializers.Serializer[None]):
    display_name = serializers.CharField(max_length=200)
