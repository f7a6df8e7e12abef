"""Read-only API over the audit trail, for auditors and admins."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from audit.permissions import CanReadAuditTrail
from audit.selectors import audit_chain_verify, audit_entries
from audit.serializers import AuditEntryFilterIn, AuditEntryOut, ChainReportOut


class AuditEntryListApi(ListAPIView[AuditEntry]):
    permission_classes = [IsAuthenticated, CanReadAuditTrail]
    serializer_class = AuditEntryOut

    @extend_schema(parameters=[AuditEntryFilterIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        filters = AuditEntryFilterIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_entries(**filters.validated_data)


class AuditEntryDetailApi(RetrieveAPIView[AuditEntry]):
    permission_classes = [IsAuthenticated, CanReadAuditTrail]
    serializer_class = AuditEntryOut

    def get_object(self) -> AuditEntry:
        try:
            return AuditEntry.objects.get(seq=self.kwargs["seq"])
        except AuditEntry.DoesNotExist:
            raise Http404 from None


class AuditChainVerifyApi(APIView):
    """Recompute the whole chain now and report the first broken entry, if any."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(responses=ChainReportOut)
    def get(self, request: Request) -> Response:
        return Response(ChainReportOut(audit_chain_verify().as_dict()).data)
