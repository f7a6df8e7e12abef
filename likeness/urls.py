from __future__ import annotations

from django.urls import path

from likeness.api import LikenessDetailApi, LikenessLicensabilityApi, LikenessListApi, OwnerRegisterApi

urlpatterns = [
    path("owners/", OwnerRegisterApi.as_view(), name="owner-register"),
    path("likenesses/", LikenessListApi.as_view(), name="likeness-list"),
    path("likenesses/<uuid:likeness_id>/", LikenessDetailApi.as_view(), name="likeness-detail"),
    path(
        "likenesses/<uuid:likeness_id>/licensability/",
        LikenessLicensabilityApi.as_view(),
        name="likeness-licensability",
    ),
]
