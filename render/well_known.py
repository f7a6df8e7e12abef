"""The platform's trust roots, public under /.well-known/ (no account), and the index that lists them.

- /.well-known/jwks.json: licence keys (pinned platform keys, certified owner keys; licensing/trust.py)
- /.well-known/audit-keys.json: audit checkpoint keys (audit/keys.py)
- /.well-known/c2pa-trust-anchors.pem: the root certificates the C2PA manifests on rendered outputs
  chain to (every root since the first: `keys rotate c2pa` keeps old ones in the bundle)
- /.well-known/: this list, as JSON, so a verifier needs one address to find the rest.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from render.c2pa_manifest import credentials

CACHE = "public, max-age=300"
PEM_TYPE = "application/x-pem-file"


def trust_anchor_fingerprints() -> list[str]:
    return [
        cert.fingerprint(hashes.SHA256()).hex() for cert in x509.load_pem_x509_certificates(credentials().anchor_pem)
    ]


def _url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def trust_roots() -> dict[str, Any]:
    """The index at /.well-known/: every trust root, where it is and what it verifies."""
    roots = [
        {
            "name": "licence-keys",
            "url": _url(reverse("jwks")),
            "format": "JWKS (RFC 7517), Ed25519 OKP keys (RFC 8037)",
            "verifies": "licence documents (owner signature, platform countersignature), revocations, status answers",
        },
        {
            "name": "audit-keys",
            "url": _url(reverse("audit-keys")),
            "format": "JWKS-like JSON, Ed25519 OKP keys with not_before / not_after",
            "verifies": "signed audit checkpoints (the tree heads in evidence bundles)",
        },
        {
            "name": "c2pa-trust-anchors",
            "url": _url(reverse("c2pa-trust-anchors")),
            "format": "PEM X.509 certificates",
            "verifies": "C2PA manifests on rendered outputs (give the file to a C2PA reader as its trust anchors)",
            "sha256_fingerprints": trust_anchor_fingerprints(),
        },
    ]
    return {"trust_roots": roots}


class _Public(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]


class TrustRootsApi(_Public):
    """Public: where each of the platform's trust roots is published."""

    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request) -> Response:
        return Response(trust_roots(), headers={"Cache-Control": CACHE})


class C2paTrustAnchorsApi(_Public):
    """Public: the C2PA root certificates (PEM) the platform's output manifests chain to."""

    @extend_schema(responses={(200, PEM_TYPE): OpenApiTypes.STR}, auth=[])
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(credentials().anchor_pem, content_type=PEM_TYPE)
        response["Cache-Control"] = CACHE
        return response
