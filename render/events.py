"""What a render job's end tells the outside: a webhook event to the studio and the likeness owner
(job id, licence id, status and reason code; never pixels), and inbox notifications. Called inside
the transaction that ends the job, so an event exists exactly when the job's end does."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.notifications import notify
from licensing.webhook_delivery import webhook_emit
from render.models import RenderJob

_SUBMITTER_KIND = {"completed": "render.completed", "refused": "render.refused", "revoked": "render.revoked"}


def _params(job: RenderJob, reason: str) -> dict[str, Any]:
    license = job.license
    return {
        "studio": job.studio.name,
        "likeness": license.likeness.display_name if license is not None else "",
        "reason": reason,
    }


def render_job_event(job: RenderJob, event: str, *, reason: str = "") -> None:
    """Emit `render_job.<event>` (completed, refused or revoked) and notify who it concerns."""
    license = job.license
    webhook_emit(
        event_type=f"render_job.{event}",
        organisation_ids=[job.studio_id],
        owner_ids=[license.likeness.owner_id] if license is not None else [],
        data={
            "job_id": str(job.pk),
            "license_id": str(job.requested_license_id),
            "status": str(job.status),
            "reason": reason or None,
        },
    )
    params = _params(job, reason)
    link = reverse("web:job", args=[job.pk])
    notify(
        user=job.submitted_by,
        kind=_SUBMITTER_KIND[event],
        event_key=f"render.{event}:{job.pk}",
        params=params,
        link=link,
    )
    if event == "completed" and license is not None:
        owner_link = reverse("web:licence", args=[license.pk])
        notify(
            user=license.likeness.owner.user,
            kind="render.made",
            event_key=f"render.made:{job.pk}",
            params=params,
            link=owner_link,
        )


def render_job_downloaded_notify(job: RenderJob, *, download_id: str) -> None:
    """Tell the likeness owner that a render of her likeness was downloaded (once per download)."""
    license = job.license
    if license is None:
        return
    notify(
        user=license.likeness.owner.user,
        kind="render.downloaded",
        event_key=f"render.downloaded:{download_id}",
        params=_params(job, ""),
        link=reverse("web:licence", args=[license.pk]),
    )
