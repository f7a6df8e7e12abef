from __future__ import annotations

from django.urls import path

from likeness.api import (
    LikenessDetailApi,
    LikenessEnrolmentApi,
    LikenessErasureApi,
    LikenessLicensabilityApi,
    LikenessListApi,
    LikenessReviewApi,
    OwnerRegisterApi,
)
from likeness.liveness_api import LivenessChallengeApi, LivenessClipApi, ProtectionApi, ProtectionChallengeApi

urlpatterns = [
    path("owners/", OwnerRegisterApi.as_view(), name="owner-register"),
    path("likenesses/", LikenessListApi.as_view(), name="likeness-list"),
    path("likenesses/<uuid:likeness_id>/", LikenessDetailApi.as_view(), name="likeness-detail"),
    path(
        "likenesses/<uuid:likeness_id>/licensability/",
        LikenessLicensabilityApi.as_view(),
        name="likeness-licensability",
    ),
    path("likenesses/<uuid:likeness_id>/enrolment/", LikenessEnrolmentApi.as_view(), name="likeness-enrolment"),
    path("likenesses/<uuid:likeness_id>/erasure/", LikenessErasureApi.as_view(), name="likeness-erasure"),
    path("likenesses/<uuid:likeness_id>/review/", LikenessReviewApi.as_view(), name="likeness-review"),
    path(
        "likenesses/<uuid:likeness_id>/liveness/challenges/",
        LivenessChallengeApi.as_view(),
        name="likeness-liveness-challenges",
    ),
    path("likenesses/<uuid:likeness_id>/liveness/", LivenessClipApi.as_view(), name="likeness-liveness"),
    path(
        "likenesses/<uuid:likeness_id>/protection/challenges/",
        ProtectionChallengeApi.as_view(),
        name="likeness-protection-challenges",
    ),
    path("likenesses/<uuid:likeness_id>/protection/", ProtectionApi.as_view(), name="likeness-protection"),
]
