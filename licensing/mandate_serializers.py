"""Serializers for mandates and the representative's dashboard (parse and render only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from licensing.documents import parse
from licensing.mandate_models import Mandate, MandateAct, MandateKind
from licensing.scope import Use


class MandateIn(serializers.Serializer[None]):
    representative = serializers.CharField(max_length=150, help_text="the representative's username")
    kind = serializers.ChoiceField(choices=MandateKind.choices)
    acts = serializers.ListField(child=serializers.ChoiceField(choices=MandateAct.choices), min_length=1)
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Use.choices),
        required=False,
        allow_null=True,
        default=None,
        help_text="omit (or null) for all purposes",
    )
    likeness_ids = serializers.ListField(child=serializers.UUIDField(), required=False, allow_null=True, default=None)
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    require_owner_cosign = serializers.BooleanField(required=False, default=False)
    credit_line = serializers.CharField(
        max_length=200, required=False, allow_null=True, default=None, help_text="an estate's required credit"
    )


class EstateMandateIn(MandateIn):
    owner_id = serializers.IntegerField(help_text="the likeness owner (deceased) the estate acts for")
    evidence = serializers.FileField(help_text="the letter of administration; its sha256 is recorded")


class MandateOut(serializers.ModelSerializer[Mandate]):
    owner_id = serializers.IntegerField(read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    representative_id = serializers.IntegerField(read_only=True)
    representative = serializers.CharField(source="representative.username", read_only=True)
    document = serializers.SerializerMethodField()
    canonical_document = serializers.CharField(source="document", read_only=True)

    class Meta:
        model = Mandate
        fields = [
            "id",
            "kind",
            "owner_id",
            "owner_name",
            "representative_id",
            "representative",
            "acts",
            "purposes",
            "likeness_ids",
            "valid_from",
            "valid_until",
            "revoked_at",
            "evidence_sha256",
            "require_owner_cosign",
            "document",
            "canonical_document",
            "signer_key_id",
            "signature",
            "created_at",
        ]
        read_only_fields = fields

    def get_document(self, mandate: Mandate) -> dict[str, Any]:
        return parse(mandate.document)


class RepresentedLikenessOut(serializers.Serializer[Any]):
    likeness_id = serializers.UUIDField()
    display_name = serializers.CharField()
    owner_name = serializers.CharField()
    mandate_id = serializers.UUIDField()
    kind = serializers.CharField()
    acts = serializers.ListField(child=serializers.CharField())


class WaitingRequestOut(serializers.Serializer[Any]):
    license_id = serializers.UUIDField()
    likeness_id = serializers.UUIDField()
    licensee = serializers.CharField()
    created_at = serializers.DateTimeField()
    awaiting_owner_cosign = serializers.BooleanField()
