from __future__ import annotations

from django.urls import path

from licensing.api import MembershipDetailApi, MembershipListApi, OrganisationDetailApi, OrganisationListApi

urlpatterns = [
    path("organisations/", OrganisationListApi.as_view(), name="organisation-list"),
    path("organisations/<uuid:organisation_id>/", OrganisationDetailApi.as_view(), name="organisation-detail"),
    path("organisations/<uuid:organisation_id>/members/", MembershipListApi.as_view(), name="membership-list"),
    path(
        "organisations/<uuid:organisation_id>/members/<int:user_id>/",
        MembershipDetailApi.as_view(),
        name="membership-detail",
    ),
]
