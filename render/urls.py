from __future__ import annotations

from django.urls import path

from render.api import (
    RenderFeeLedgerApi,
    RenderJobCancelApi,
    RenderJobDetailApi,
    RenderJobDownloadApi,
    RenderJobEvidenceApi,
    RenderJobFileApi,
    RenderJobListApi,
    VerifyMediaApi,
)

urlpatterns = [
    path("render-jobs/", RenderJobListApi.as_view(), name="render-job-list"),
    path("render-jobs/<uuid:job_id>/", RenderJobDetailApi.as_view(), name="render-job-detail"),
    path("render-jobs/<uuid:job_id>/cancel", RenderJobCancelApi.as_view(), name="render-job-cancel"),
    path("render-jobs/<uuid:job_id>/download", RenderJobDownloadApi.as_view(), name="render-job-download"),
    path("render-jobs/<uuid:job_id>/file", RenderJobFileApi.as_view(), name="render-job-file"),
    path("render-jobs/<uuid:job_id>/evidence", RenderJobEvidenceApi.as_view(), name="render-job-evidence"),
    path("verify", VerifyMediaApi.as_view(), name="verify-media"),
    path("fees", RenderFeeLedgerApi.as_view(), name="render-fee-ledger"),
]
