"""Public, cacheable endpoints for witnesses and anyone else who checks the audit log without an account:

- GET /.well-known/audit-keys.json: every audit key, retired ones included, with validity periods;
- GET /.well-known/audit/checkpoints and GET /api/v1/audit/checkpoints/latest: signed checkpoints
  with their witnesses' cosignatures;
- GET /.well-known/audit/consistency?first=M&second=N: RFC 6962 consistency proof from any earlier
  size M to a checkpointed size N (only those: the nodes exist, so an anonymous caller costs
  O(log n) reads and never makes the tree grow);
- POST /api/v1/audit/checkpoints/{tree_size}/cosignatures: a registered witness's cosignature
  (authenticated by its signature, not by an account).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.checkpoints import consistency_proof_for, root_at
from audit.codes import AuditCode
from audit.keys import published_key_set
from audit.models import AuditCheckpoint
from audit.serializers import ConsistencyProofIn, CosignatureIn, PublishedCheckpointOut
from audit.witnesses import checkpoint_published, cosignature_record, cosignatures_of, with_cosignatures
from config.errors import Invalid, NotFound

PUBLIC_CACHE = "public, max-age=60"
PUBLISHED_CHECKPOINTS = 100


class _Public(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]


class AuditKeysApi(_Public):
    """The audit public keys as JWKS-like JSON (RFC 8037 OKP keys plus not_before / not_after)."""

    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request) -> Response:
        return Response(published_key_set(), headers={"Cache-Control": "public, max-age=300"})


class PublishedCheckpointsApi(_Public):
    """The newest signed checkpoints, each with its witnesses' cosignatures."""

    @extend_schema(responses=PublishedCheckpointOut(many=True), auth=[])
    def get(self, request: Request) -> Response:
        checkpoints = with_cosignatures(AuditCheckpoint.objects.order_by("-tree_size"))[:PUBLISHED_CHECKPOINTS]
        body = [PublishedCheckpointOut(checkpoint_published(c)).data for c in checkpoints]
        return Response(body, headers={"Cache-Control": PUBLIC_CACHE})


class LatestCheckpointApi(_Public):
    """The newest signed checkpoint."""

    @extend_schema(responses=PublishedCheckpointOut, auth=[])
    def get(self, request: Request) -> Response:
        checkpoint = AuditCheckpoint.objects.order_by("-tree_size").first()
        if checkpoint is None:
            raise NotFound("no checkpoint has been made yet", code=AuditCode.NO_CHECKPOINT)
        body = PublishedCheckpointOut(checkpoint_published(checkpoint)).data
        return Response(body, headers={"Cache-Control": PUBLIC_CACHE})


class PublicConsistencyProofApi(_Public):
    """Consistency proof between two checkpoints' trees, for witnesses."""

    @extend_schema(parameters=[ConsistencyProofIn], responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request) -> Response:
        given = ConsistencyProofIn(data=request.query_params)
        given.is_valid(raise_exception=True)
        first, second = given.validated_data["first"], given.validated_data["second"]
        if not AuditCheckpoint.objects.filter(tree_size=second).exists():
            raise NotFound("second must be the tree size of a checkpoint", code=AuditCode.UNKNOWN_CHECKPOINT)
        if first > second:
            raise Invalid("need first <= second", code=AuditCode.BAD_TREE_SIZE)
        path = consistency_proof_for(first=first, second=second)
        body = {
            "first": first,
            "second": second,
            "first_root_hash": root_at(first).hex(),
            "second_root_hash": root_at(second).hex(),
            "consistency_path": [node.hex() for node in path],
        }
        return Response(body, headers={"Cache-Control": "public, max-age=3600"})


class CheckpointCosignaturesApi(_Public):
    """GET: the cosignatures of one checkpoint. POST: a registered witness adds its own."""

    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request, tree_size: int) -> Response:
        checkpoint = AuditCheckpoint.objects.filter(tree_size=tree_size).first()
        if checkpoint is None:
            raise NotFound(f"there is no checkpoint at tree size {tree_size}", code=AuditCode.UNKNOWN_CHECKPOINT)
        cosignatures = cosignatures_of(checkpoint)
        body = {"tree_size": tree_size, "cosigned_by": len(cosignatures), "cosignatures": cosignatures}
        return Response(body, headers={"Cache-Control": PUBLIC_CACHE})

    @extend_schema(request=CosignatureIn, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT}, auth=[])
    def post(self, request: Request, tree_size: int) -> Response:
        given = CosignatureIn(data=request.data)
        given.is_valid(raise_exception=True)
        cosignature, created = cosignature_record(tree_size=tree_size, **given.validated_data)
        checkpoint = cosignature.checkpoint
        body = {
            "tree_size": tree_size,
            "witness": cosignature.witness.name,
            "cosigned_by": checkpoint.cosignatures.count(),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
