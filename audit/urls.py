from __future__ import annotations

from django.urls import path

from audit.api import (
    AuditChainVerifyApi,
    AuditCheckpointListApi,
    AuditConsistencyProofApi,
    AuditEntryDetailApi,
    AuditEntryListApi,
    AuditEvidenceApi,
    AuditInclusionProofApi,
)
from audit.public_api import CheckpointCosignaturesApi, LatestCheckpointApi

urlpatterns = [
    path("audit/entries/", AuditEntryListApi.as_view(), name="audit-entry-list"),
    path("audit/entries/<int:seq>/", AuditEntryDetailApi.as_view(), name="audit-entry-detail"),
    path("audit/entries/<int:seq>/proof", AuditInclusionProofApi.as_view(), name="audit-inclusion-proof"),
    path("audit/consistency", AuditConsistencyProofApi.as_view(), name="audit-consistency-proof"),
    path("audit/checkpoints/", AuditCheckpointListApi.as_view(), name="audit-checkpoint-list"),
    path("audit/checkpoints/latest", LatestCheckpointApi.as_view(), name="audit-checkpoint-latest"),
    path(
        "audit/checkpoints/<int:tree_size>/cosignatures",
        CheckpointCosignaturesApi.as_view(),
        name="audit-checkpoint-cosignatures",
    ),
    path("audit/evidence", AuditEvidenceApi.as_view(), name="audit-evidence"),
    path("audit/verify/", AuditChainVerifyApi.as_view(), name="audit-verify"),
]
