from __future__ import annotations

from django.urls import path

from audit.api import AuditChainVerifyApi, AuditEntryDetailApi, AuditEntryListApi

urlpatterns = [
    path("audit/entries/", AuditEntryListApi.as_view(), name="audit-entry-list"),
    path("audit/entries/<int:seq>/", AuditEntryDetailApi.as_view(), name="audit-entry-detail"),
    path("audit/verify/", AuditChainVerifyApi.as_view(), name="audit-verify"),
]
