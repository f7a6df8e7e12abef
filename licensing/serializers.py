from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from licensing.documents import b64url, parse
from licensing.models import (
    AdaptationGrant,
    KeyCustody,
    License,
    MediaType,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    OwnerKey,
    RightKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    Work,
    WorkFile,
    WorkKind,
    WorkRight,
)
from licensing.scope import MAX_OUTPUT_SECONDS_LIMIT, MAX_RENDERS_LIMIT, Scope, Use, describe


class OrganisationOut(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "created_at"]
        read_only_fields = fields


class OrganisationCreateIn(serializers.Serializer[None]):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)


class MembershipOut(serializers.ModelSerializer[Membership]):
    user_id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role", "created_at"]
        read_only_fields = fields


class MembershipAddIn(serializers.Serializer[None]):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.MEMBER)


# --- Works and rights ---------------------------------------------------------------------------


class WorkFileIn(serializers.Serializer[None]):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    name = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class WorkRightIn(serializers.Serializer[None]):
    right = serializers.ChoiceField(choices=RightKind.choices)
    territories = serializers.ListField(child=serializers.CharField(max_length=8), min_length=1)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)


class WorkRegisterIn(serializers.Serializer[None]):
    holder_id = serializers.UUIDField()
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=WorkKind.choices)
    identifiers = serializers.DictField(child=serializers.CharField(max_length=200), required=False, default=dict)
    files = WorkFileIn(many=True, required=False, default=list)
    rights = WorkRightIn(many=True, required=False, default=list)


class WorkFileOut(serializers.ModelSerializer[WorkFile]):
    class Meta:
        model = WorkFile
        fields = ["id", "sha256", "media_type", "name", "created_at"]
        read_only_fields = fields


class WorkRightOut(serializers.ModelSerializer[WorkRight]):
    class Meta:
        model = WorkRight
        fields = ["right", "territories", "valid_from", "valid_until"]
        read_only_fields = fields


class WorkOut(serializers.ModelSerializer[Work]):
    holder_id = serializers.UUIDField(read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    files = WorkFileOut(many=True, read_only=True)
    rights = WorkRightOut(many=True, read_only=True)

    class Meta:
        model = Work
        fields = ["id", "title", "kind", "identifiers", "holder_id", "holder_name", "files", "rights", "created_at"]
        read_only_fields = fields


class AdaptationGrantIn(serializers.Serializer[None]):
    studio_id = serializers.UUIDField()
    territories = serializers.ListField(child=serializers.CharField(max_length=8), min_length=1)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class AdaptationGrantOut(serializers.ModelSerializer[AdaptationGrant]):
    work_id = serializers.UUIDField(read_only=True)
    studio_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = AdaptationGrant
        fields = [
            "id",
            "work_id",
            "studio_id",
            "territories",
            "valid_from",
            "valid_until",
            "revoked_at",
            "revoke_reason",
            "created_at",
        ]
        read_only_fields = fields


class ReasonIn(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


# --- Keys ---------------------------------------------------------------------------------------


class OwnerKeyIn(serializers.Serializer[None]):
    custody = serializers.ChoiceField(choices=KeyCustody.choices)
    public_key = serializers.CharField(max_length=100, required=False, help_text="base64url, for self-custody")


class OwnerKeyOut(serializers.ModelSerializer[OwnerKey]):
    public_key = serializers.SerializerMethodField()

    class Meta:
        model = OwnerKey
        fields = ["kid", "custody", "public_key", "created_at", "retired_at"]
        read_only_fields = fields

    def get_public_key(self, key: OwnerKey) -> str:
        return b64url(bytes(key.public_key))


# --- Licences -----------------------------------------------------------------------------------


class FeeIn(serializers.Serializer[None]):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))
    currency = serializers.RegexField(r"^[A-Z]{3}$")


class LicenseRequestIn(serializers.Serializer[None]):
    studio_id = serializers.UUIDField()
    likeness_id = serializers.UUIDField()
    works = serializers.ListField(child=serializers.UUIDField(), min_length=1)
    purposes = serializers.ListField(child=serializers.ChoiceField(choices=Use.choices), min_length=1)
    media_types = serializers.ListField(child=serializers.ChoiceField(choices=MediaType.choices), min_length=1)
    territories = serializers.ListField(child=serializers.CharField(max_length=8), min_length=1)
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField()
    max_renders = serializers.IntegerField(min_value=1, max_value=MAX_RENDERS_LIMIT)
    max_output_seconds = serializers.IntegerField(
        min_value=1, max_value=MAX_OUTPUT_SECONDS_LIMIT, required=False, allow_null=True, default=None
    )
    prohibited_uses = serializers.ListField(
        child=serializers.ChoiceField(choices=Use.choices), required=False, allow_null=True, default=None
    )
    label_text = serializers.CharField(max_length=200, required=False, allow_null=True, default=None)
    attribution = serializers.CharField(max_length=200, required=False, allow_null=True, default=None)
    fee_per_render = FeeIn(required=False, allow_null=True, default=None)


class LicenseApproveIn(serializers.Serializer[None]):
    signature = serializers.CharField(
        max_length=100, required=False, help_text="self-custody: base64url Ed25519 signature over `document`"
    )


class LicenseOut(serializers.ModelSerializer[License]):
    likeness_id = serializers.UUIDField(read_only=True)
    licensee_id = serializers.UUIDField(read_only=True)
    document = serializers.SerializerMethodField()
    plain_language = serializers.SerializerMethodField()
    revocation = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()
    revoke_reason = serializers.SerializerMethodField(
        help_text="The owner's own reason for revoking: shown to the owner only (null for everyone else)."
    )

    class Meta:
        model = License
        fields = [
            "id",
            "version",
            "likeness_id",
            "licensee_id",
            "status",
            "status_changed_at",
            "plain_language",
            "document",
            "canonical_document",
            "owner_key_id",
            "owner_signature",
            "platform_key_id",
            "platform_signature",
            "renders_used",
            "max_renders",
            "decline_reason",
            "revoke_reason",
            "revocation",
            "created_at",
            "approved_at",
            "status_url",
        ]
        read_only_fields = fields

    canonical_document = serializers.CharField(
        source="document", read_only=True, help_text="the exact RFC 8785 text that is signed (UTF-8)"
    )

    def get_document(self, license: License) -> dict[str, Any]:
        return parse(license.document)

    def get_plain_language(self, license: License) -> list[str]:
        return describe(Scope.from_document(parse(license.document)["scope"]))

    def get_revocation(self, license: License) -> dict[str, Any] | None:
        if not license.revocation:
            return None
        return {"record": parse(license.revocation), "signature": license.revocation_signature}

    def get_status_url(self, license: License) -> str:
        return f"/api/v1/licenses/{license.pk}/status"

    def get_revoke_reason(self, license: License) -> str | None:
        request = self.context.get("request")
        viewer_id = getattr(getattr(request, "user", None), "pk", None)
        if viewer_id is None or viewer_id != license.likeness.owner.user_id:
            return None
        return license.revoke_reason or None


class LicenseCheckIn(serializers.Serializer[None]):
    work_file_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")
    purpose = serializers.CharField(max_length=40)
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    territory = serializers.CharField(max_length=8)
    duration_seconds = serializers.FloatField(min_value=0)


class LicenseCheckOut(serializers.Serializer[None]):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    duties = serializers.DictField(allow_null=True)


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookEndpointIn(serializers.Serializer[None]):
    url = serializers.URLField(max_length=500)
    organisation_id = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="omit to register as a likeness owner"
    )
    events = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)


class WebhookEndpointOut(serializers.ModelSerializer[WebhookEndpoint]):
    organisation_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "organisation_id", "events", "created_at", "disabled_at"]
        read_only_fields = fields


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret = serializers.CharField(read_only=True, help_text="shown once: verify each delivery's HMAC with it")

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookAttemptOut(serializers.ModelSerializer[WebhookAttempt]):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "error", "duration_ms"]
        read_only_fields = fields


class WebhookDeliveryOut(serializers.ModelSerializer[WebhookDelivery]):
    log = WebhookAttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event_type", "status", "attempts", "next_attempt_at", "delivered_at", "log"]
        read_only_fields = fields
