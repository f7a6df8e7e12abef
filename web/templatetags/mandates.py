"""Template filters for mandates: who signed a licence, and for whom."""

from __future__ import annotations

from typing import Any

from django import template

from licensing.documents import parse
from licensing.mandate_models import MandateKind

register = template.Library()


@register.filter
def licence_signer(license: Any) -> dict[str, str] | None:
    """For a licence a representative signed: his name, his capacity (in the reader's language) and
    the owner he acted for; None for a licence the owner signed herself (or not yet signed)."""
    if not getattr(license, "owner_signature", ""):
        return None
    document = parse(license.document)
    signer = document.get("signer")
    if not isinstance(signer, dict):
        return None
    try:
        capacity = str(MandateKind(str(signer.get("kind"))).label)
    except ValueError:
        capacity = str(signer.get("kind", ""))
    return {
        "name": str(signer.get("representative", {}).get("name", "")),
        "capacity": capacity,
        "owner": str(document["licensor"].get("name", "")),
        "mandate_id": str(signer.get("mandate_id", "")),
    }
