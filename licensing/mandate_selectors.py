"""Reads for representatives: what they act for now and what is waiting for them."""

from __future__ import annotations

from typing import Any

from licensing.documents import parse
from licensing.mandates import mandates_live_for
from licensing.models import License, LicenseStatus
from likeness.models import Likeness


def representation_of(user: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    likenesses: list[dict[str, Any]] = []
    covered: set[str] = set()
    for mandate in mandates_live_for(user).select_related("owner").order_by("-created_at"):
        acts = parse(mandate.document)["acts"]
        for likeness in Likeness.objects.filter(pk__in=mandate.likeness_ids).order_by("display_name"):
            likenesses.append(
                {
                    "likeness_id": likeness.pk,
                    "display_name": likeness.display_name,
                    "owner_name": mandate.owner.display_name,
                    "mandate_id": mandate.pk,
                    "kind": mandate.kind,
                    "acts": acts,
                }
            )
            covered.add(str(likeness.pk))
    waiting = [
        {
            "license_id": license.pk,
            "likeness_id": license.likeness_id,
            "licensee": license.licensee.name,
            "created_at": license.created_at,
            "awaiting_owner_cosign": hasattr(license, "mandate_approval"),
        }
        for license in License.objects.filter(likeness_id__in=covered, status=LicenseStatus.REQUESTED)
        .select_related("licensee", "mandate_approval")
        .order_by("created_at")
    ]
    return likenesses, waiting
