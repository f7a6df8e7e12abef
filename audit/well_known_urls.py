"""The audit log's trust roots and checkpoints under /.well-known/ (public, no account)."""

from __future__ import annotations

from django.urls import path

from audit.public_api import AuditKeysApi, PublicConsistencyProofApi, PublishedCheckpointsApi

urlpatterns = [
    path("audit-keys.json", AuditKeysApi.as_view(), name="audit-keys"),
    path("audit/checkpoints", PublishedCheckpointsApi.as_view(), name="audit-published-checkpoints"),
    path("audit/consistency", PublicConsistencyProofApi.as_view(), name="audit-public-consistency"),
]
