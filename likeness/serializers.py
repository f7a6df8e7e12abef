from __future__ import annotations

from rest_framework import serializers

from likeness.models import Likeness, ProtectedFace
from likeness.proof import person_verified


class LikenessOut(serializers.ModelSerializer[Likeness]):
    owner_display_name = serializers.CharField(source="owner.display_name", read_only=True)
    reference_photos = serializers.SerializerMethodField()
    protected = serializers.SerializerMethodField(help_text="Whether an admin registered this face as protected.")
    person_verified = serializers.SerializerMethodField(
        help_text="Whether the owner passed a live capture matching the enrolment photos (needed for licences)."
    )

    class Meta:
        model = Likeness
        fields = [
            "id",
            "display_name",
            "owner_display_name",
            "status",
            "licensable",
            "reference_photos",
            "person_verified",
            "protected",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reference_photos(self, likeness: Likeness) -> int:
        return likeness.photos.count()

    def get_protected(self, likeness: Likeness) -> bool:
        return ProtectedFace.objects.filter(likeness=likeness).exists()

    def get_person_verified(self, likeness: Likeness) -> bool:
        return person_verified(likeness)


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
