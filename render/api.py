from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PagePagination
from config.throttling import RenderSubmitRateThrottle, VerifyRateThrottle, throttles_for_post
from config.uploads import upload_limit
from render.downloads import render_job_download_url, render_job_file_for_token
from render.evidence import render_job_evidence_bundle
from render.fees import render_fee_row, render_fee_totals, render_fees_csv_lines, render_fees_filtered
from render.limits import verify_limits
from render.media import REPOST_FORMATS
from render.models import FaceSelection, RenderJob
from render.selectors import render_job_for_evidence, render_job_visible_to, render_jobs_visible_to
from render.serializers import (
    DownloadOut,
    RenderFeeLedgerOut,
    RenderJobOut,
    RenderJobSubmitIn,
    VerifyIn,
    VerifyOut,
)
from render.submission import render_job_cancel, render_job_submit
from render.verification import verify_media_upload


@upload_limit("RENDER_MAX_UPLOAD_BYTES", types=frozenset({"jpeg", "png", "webp", "mp4"}))
class RenderJobListApi(ListAPIView[RenderJob]):
    serializer_class = RenderJobOut
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> Any:
        return render_jobs_visible_to(self.request.user)

    def get_throttles(self) -> list[Any]:
        return throttles_for_post(self.request, RenderSubmitRateThrottle)

    @extend_schema(request={"multipart/form-data": RenderJobSubmitIn}, responses={201: RenderJobOut})
    def post(self, request: Request) -> Response:
        given = RenderJobSubmitIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        job = render_job_submit(
            user=request.user,
            license_id=data["license_id"],
            upload=data["file"],
            purpose=data["purpose"],
            territory=data["territory"],
            face_selection=FaceSelection(data["faces"]),
            face_index=data.get("face_index"),
            studio_id=data.get("studio_id"),
        )
        job.refresh_from_db()
        return Response(RenderJobOut(job).data, status=status.HTTP_201_CREATED)


class RenderJobDetailApi(APIView):
    @extend_schema(responses=RenderJobOut)
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        return Response(RenderJobOut(render_job_visible_to(request.user, job_id)).data)


class RenderJobCancelApi(APIView):
    @extend_schema(request=None, responses=RenderJobOut)
    def post(self, request: Request, job_id: uuid.UUID) -> Response:
        job = render_job_cancel(job=render_job_visible_to(request.user, job_id), actor=request.user)
        return Response(RenderJobOut(job).data)


class RenderJobDownloadApi(APIView):
    """A short-lived link to the output (presigned on S3). Every link issued is audited."""

    @extend_schema(responses=DownloadOut)
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        job = render_job_visible_to(request.user, job_id)
        url = render_job_download_url(job=job, actor=request.user, request_base=request.build_absolute_uri("/")[:-1])
        expires = (
            settings.STORAGES["default"].get("OPTIONS", {}).get("querystring_expire") or settings.DOWNLOAD_LINK_SECONDS
        )
        return Response(DownloadOut({"url": url, "expires_in_seconds": expires, "sha256": job.output_sha256}).data)


class RenderJobFileApi(APIView):
    """The output itself, for a signed, unexpired link (local storage)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, job_id: uuid.UUID) -> FileResponse:
        job = render_job_file_for_token(job_id=job_id, token=str(request.query_params.get("token", "")))
        return FileResponse(
            default_storage.open(job.output_name, "rb"), as_attachment=True, filename=job.output_name.rsplit("/", 1)[-1]
        )


class RenderJobEvidenceApi(APIView):
    """A zip proving the job, its output's fingerprint and mark, its licence and their audit history."""

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, job_id: uuid.UUID) -> HttpResponse:
        bundle = render_job_evidence_bundle(job=render_job_for_evidence(request.user, job_id))
        response = HttpResponse(bundle, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="render-{job_id}-evidence.zip"'
        return response


@upload_limit("VERIFY_MAX_BYTES", types=REPOST_FORMATS)
class VerifyMediaApi(APIView):
    """Public: was this file rendered here, under which licence, and does that licence still stand?"""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    throttle_classes = [VerifyRateThrottle]

    @extend_schema(request={"multipart/form-data": VerifyIn}, responses=VerifyOut)
    def post(self, request: Request) -> Response:
        given = VerifyIn(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        report = verify_media_upload(upload.chunks(), size=upload.size or 0, limits=verify_limits())
        return Response(VerifyOut(report.as_dict()).data)


class RenderFeeLedgerApi(APIView):
    """The fees accrued by completed renders, on licences of your likenesses or of your studios.
    `license` and `month` (YYYY-MM) filter; `format=csv` answers the same rows as CSV."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # `format` is also DRF's format override, which found no CSV renderer and answered 404: the
        # CSV is streamed by get() itself, and a refusal is the API's usual JSON error body.
        if request.query_params.get("format") == "csv":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        parameters=[
            OpenApiParameter("license", str, description="a licence id"),
            OpenApiParameter("month", str, description="YYYY-MM (UTC)"),
            OpenApiParameter("format", str, enum=["json", "csv"]),
        ],
        responses={200: RenderFeeLedgerOut, (200, "text/csv"): str},
    )
    def get(self, request: Request) -> HttpResponseBase:
        fees = render_fees_filtered(
            request.user,
            license_id=str(request.query_params.get("license", "")).strip(),
            month=str(request.query_params.get("month", "")).strip(),
        )
        if request.query_params.get("format") == "csv":
            return StreamingHttpResponse(render_fees_csv_lines(fees), content_type="text/csv; charset=utf-8")
        pages = PagePagination()
        page = pages.paginate_queryset(fees, request, view=self) or []
        body = {
            "count": pages.page.paginator.count if pages.page is not None else 0,
            "next": pages.get_next_link(),
            "previous": pages.get_previous_link(),
            "fees": [render_fee_row(fee) for fee in page],
            "totals": [
                {"currency": t.currency, "renders": t.renders, "amount": t.amount, "amount_minor": t.amount_minor}
                for t in render_fee_totals(fees)
            ],
        }
        return Response(RenderFeeLedgerOut(body).data)
