"""Read-only API over the audit trail, for auditors and admins."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import merkle
from audit.checkpoints import (
    audit_checkpoint_create,
    checkpoint_file,
    consistency_proof_with_roots,
    inclusion_proof_with_root,
)
from audit.custody import audit_log_verify
from audit.evidence import build_bundle
from audit.models import AuditCheckpoint, AuditEntry
from audit.permissions import CanReadAuditTrail
from audit.selectors import audit_entries
from audit.serializers import (
    AuditEntryFilterIn,
    AuditEntryOut,
    AuditVerdictOut,
    CheckpointOut,
    ConsistencyProofIn,
    ConsistencyProofOut,
    EvidenceIn,
    InclusionProofIn,
    InclusionProofOut,
    PublishedCheckpointOut,
)
from audit.witnesses import checkpoint_published, with_cosignatures
from config.errors import NotFound


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
    """The chain and every signed checkpoint, verified now (audit.custody): the same verdict as audit_verify."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(responses=AuditVerdictOut)
    def get(self, request: Request) -> Response:
        return Response(AuditVerdictOut(audit_log_verify().as_dict()).data)


class AuditInclusionProofApi(APIView):
    """RFC 6962 inclusion proof of entry `seq` in the tree of the first `tree_size` entries."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(parameters=[InclusionProofIn], responses=InclusionProofOut)
    def get(self, request: Request, seq: int) -> Response:
        given = InclusionProofIn(data=request.query_params)
        given.is_valid(raise_exception=True)
        tree_size = given.validated_data["tree_size"]
        path, root = inclusion_proof_with_root(seq=seq, tree_size=tree_size)
        entry = AuditEntry.objects.get(seq=seq)
        canonical = entry.as_record().canonical()
        body = {
            "seq": seq,
            "leaf_index": seq - 1,
            "tree_size": tree_size,
            "root_hash": root.hex(),
            "leaf_hash": merkle.leaf_hash(canonical).hex(),
            "audit_path": [node.hex() for node in path],
            "entry_canonical": canonical.decode("utf-8"),
        }
        return Response(InclusionProofOut(body).data)


class AuditConsistencyProofApi(APIView):
    """RFC 6962 consistency proof between the trees of the first `first` and `second` entries."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(parameters=[ConsistencyProofIn], responses=ConsistencyProofOut)
    def get(self, request: Request) -> Response:
        given = ConsistencyProofIn(data=request.query_params)
        given.is_valid(raise_exception=True)
        first, second = given.validated_data["first"], given.validated_data["second"]
        path, first_root, second_root = consistency_proof_with_roots(first=first, second=second)
        body = {
            "first": first,
            "second": second,
            "first_root_hash": first_root.hex(),
            "second_root_hash": second_root.hex(),
            "consistency_path": [node.hex() for node in path],
        }
        return Response(ConsistencyProofOut(body).data)


class AuditCheckpointListApi(APIView):
    """Signed tree heads, newest first; POST makes one now."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(responses=PublishedCheckpointOut(many=True))
    def get(self, request: Request) -> Response:
        checkpoints = with_cosignatures(AuditCheckpoint.objects.order_by("-tree_size"))[:100]
        return Response([PublishedCheckpointOut(checkpoint_published(c)).data for c in checkpoints])

    @extend_schema(request=None, responses={201: CheckpointOut})
    def post(self, request: Request) -> Response:
        checkpoint = audit_checkpoint_create()
        return Response(CheckpointOut(checkpoint_file(checkpoint)).data, status=status.HTTP_201_CREATED)


class AuditEvidenceApi(APIView):
    """An evidence bundle (zip) for every audit entry about one target, against a fresh checkpoint."""

    permission_classes = [IsAuthenticated, CanReadAuditTrail]

    @extend_schema(parameters=[EvidenceIn], responses={(200, "application/zip"): bytes})
    def get(self, request: Request) -> HttpResponse:
        given = EvidenceIn(data=request.query_params)
        given.is_valid(raise_exception=True)
        target_type, target_id = given.validated_data["target_type"], given.validated_data["target_id"]
        if not AuditEntry.objects.filter(target_type=target_type, target_id=target_id).exists():
            raise NotFound("no audit entries about that target")
        response = HttpResponse(
            build_bundle(target_type=target_type, target_id=target_id), content_type="application/zip"
        )
        response["Content-Disposition"] = 'attachment; filename="evidence.zip"'
        return response
