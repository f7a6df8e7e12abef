from __future__ import annotations

from django.urls import path

from licensing.api import (
    AdaptationGrantRevokeApi,
    LicenseApproveApi,
    LicenseCheckApi,
    LicenseDeclineApi,
    LicenseDetailApi,
    LicenseEvidenceApi,
    LicenseListApi,
    LicenseRevokeApi,
    LicenseStatusApi,
    MembershipDetailApi,
    MembershipListApi,
    OrganisationDetailApi,
    OrganisationListApi,
    OwnerKeyListApi,
    WebhookDeliveryListApi,
    WebhookDisableApi,
    WebhookListApi,
    WorkDetailApi,
    WorkFileListApi,
    WorkGrantListApi,
    WorkListApi,
    WorkRightListApi,
)
from licensing.attestations_api import AttesterTrustApi, LikenessAttestationsApi
from licensing.claims_api import ClaimApi, ClaimChallengeApi, ClaimDecisionApi
from licensing.mandate_api import (
    EstateMandateApi,
    MandateDetailApi,
    MandateEndApi,
    MandateListApi,
    RepresentationApi,
)

urlpatterns = [
    path(
        "organisations/<uuid:organisation_id>/attester-trust/",
        AttesterTrustApi.as_view(),
        name="organisation-attester-trust",
    ),
    path(
        "likenesses/<uuid:likeness_id>/attestations/",
        LikenessAttestationsApi.as_view(),
        name="likeness-attestations",
    ),
    path(
        "likenesses/<uuid:likeness_id>/claims/challenges/",
        ClaimChallengeApi.as_view(),
        name="likeness-claim-challenges",
    ),
    path("likenesses/<uuid:likeness_id>/claims/", ClaimApi.as_view(), name="likeness-claims"),
    path("claims/<uuid:claim_id>/decision/", ClaimDecisionApi.as_view(), name="claim-decision"),
    path("organisations/", OrganisationListApi.as_view(), name="organisation-list"),
    path("organisations/<uuid:organisation_id>/", OrganisationDetailApi.as_view(), name="organisation-detail"),
    path("organisations/<uuid:organisation_id>/members/", MembershipListApi.as_view(), name="membership-list"),
    path(
        "organisations/<uuid:organisation_id>/members/<int:user_id>/",
        MembershipDetailApi.as_view(),
        name="membership-detail",
    ),
    path("works/", WorkListApi.as_view(), name="work-list"),
    path("works/<uuid:work_id>/", WorkDetailApi.as_view(), name="work-detail"),
    path("works/<uuid:work_id>/files/", WorkFileListApi.as_view(), name="work-file-list"),
    path("works/<uuid:work_id>/rights/", WorkRightListApi.as_view(), name="work-right-list"),
    path("works/<uuid:work_id>/grants/", WorkGrantListApi.as_view(), name="work-grant-list"),
    path("adaptation-grants/<uuid:grant_id>/revoke/", AdaptationGrantRevokeApi.as_view(), name="grant-revoke"),
    path("owner-keys/", OwnerKeyListApi.as_view(), name="owner-key-list"),
    path("licenses/", LicenseListApi.as_view(), name="license-list"),
    path("licenses/<uuid:license_id>/", LicenseDetailApi.as_view(), name="license-detail"),
    path("licenses/<uuid:license_id>/approve/", LicenseApproveApi.as_view(), name="license-approve"),
    path("licenses/<uuid:license_id>/decline/", LicenseDeclineApi.as_view(), name="license-decline"),
    path("licenses/<uuid:license_id>/revoke/", LicenseRevokeApi.as_view(), name="license-revoke"),
    path("licenses/<uuid:license_id>/check/", LicenseCheckApi.as_view(), name="license-check"),
    path("licenses/<uuid:license_id>/status", LicenseStatusApi.as_view(), name="license-status"),
    path("licenses/<uuid:license_id>/evidence", LicenseEvidenceApi.as_view(), name="license-evidence"),
    path("mandates/", MandateListApi.as_view(), name="mandate-list"),
    path("mandates/estate/", EstateMandateApi.as_view(), name="mandate-estate"),
    path("mandates/<uuid:mandate_id>/", MandateDetailApi.as_view(), name="mandate-detail"),
    path("mandates/<uuid:mandate_id>/end/", MandateEndApi.as_view(), name="mandate-end"),
    path("representation/", RepresentationApi.as_view(), name="representation"),
    path("webhooks/", WebhookListApi.as_view(), name="webhook-list"),
    path("webhooks/<uuid:endpoint_id>/disable/", WebhookDisableApi.as_view(), name="webhook-disable"),
    path("webhooks/<uuid:endpoint_id>/deliveries/", WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
]
