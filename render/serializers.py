from __future__ import annotations

from typing import Any

from rest_framework import serializers

from licensing.refusals import RefusalReason
from render.models import FaceSelection, RenderJob


class RenderJobSubmitIn(serializers.Serializer[None]):
    license_id = serializers.UUIDField()
    file = serializers.FileField(help_text="The target image or video; must be a file registered to a work.")
    purpose = serializers.CharField(max_length=40)
    territory = serializers.CharField(max_length=8, help_text="ISO 3166-1 alpha-2 code of the release territory.")
    faces = serializers.ChoiceField(choices=FaceSelection.choices, default=FaceSelection.LARGEST)
    face_index = serializers.IntegerField(required=False, min_value=0, max_value=63)
    studio_id = serializers.UUIDField(required=False)


class RenderJobOut(serializers.ModelSerializer[RenderJob]):
    refusal_explanation = serializers.SerializerMethodField()

    class Meta:
        model = RenderJob
        fields = [
            "id",
            "studio",
            "requested_license_id",
            "status",
            "progress",
            "frames_done",
            "frames_total",
            "refusal_reason",
            "refusal_explanation",
            "error_code",
            "media_type",
            "target_sha256",
            "face_selection",
            "face_index",
            "purpose",
            "territory",
            "engine",
            "engine_models",
            "output_sha256",
            "output_size",
            "faces_replaced",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_refusal_explanation(self, job: RenderJob) -> str:
        if not job.refusal_reason:
            return ""
        try:
            return str(RefusalReason(job.refusal_reason).label)
        except ValueError:
            return job.refusal_reason


class DownloadOut(serializers.Serializer[dict[str, Any]]):
    url = serializers.CharField()
    expires_in_seconds = serializers.IntegerField()
    sha256 = serializers.CharField()


class VerifyIn(serializers.Serializer[None]):
    file = serializers.FileField(help_text="Any image or video; it is examined and not kept.")


class VerifyOut(serializers.Serializer[dict[str, Any]]):
    media_type = serializers.CharField()
    c2pa = serializers.DictField()
    watermark = serializers.DictField()
    job = serializers.DictField(allow_null=True)
    license = serializers.DictField(allow_null=True)
    likeness_owner = serializers.CharField(allow_null=True)
    attribution = serializers.CharField(
        allow_null=True,
        help_text="The credit the licence requires on this output (from the licence, else the manifest).",
    )
    consistent = serializers.BooleanField()
    summary = serializers.ListField(child=serializers.CharField())


class RenderFeeOut(serializers.Serializer[dict[str, Any]]):
    accrued_at = serializers.CharField()
    license_id = serializers.UUIDField()
    job_id = serializers.UUIDField()
    studio = serializers.CharField()
    likeness = serializers.CharField()
    amount = serializers.CharField(help_text="Decimal string in the currency's major unit, e.g. 25.00")
    currency = serializers.CharField()
    amount_minor = serializers.IntegerField(help_text="The amount in the currency's minor unit (cents)")


class RenderFeeTotalOut(serializers.Serializer[dict[str, Any]]):
    currency = serializers.CharField()
    renders = serializers.IntegerField()
    amount = serializers.CharField()
    amount_minor = serializers.IntegerField()


class RenderFeeLedgerOut(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField(help_text="fees matching the filters, over every page")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    fees = RenderFeeOut(many=True, help_text="this page's fees (page, page_size as on every list)")
    totals = RenderFeeTotalOut(many=True)
