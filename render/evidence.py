"""A render job as evidence: the job record, its output's fingerprint and mark, the licence it ran
under (signed document, signatures, keys), and every audit entry about the job and the licence,
each with an inclusion proof against a fresh signed checkpoint (audit/evidence.py)."""

from __future__ import annotations

from typing import Any

from audit.evidence import build_bundle
from licensing.evidence import DOCUMENT_KIND, license_evidence_document
from render.models import RenderJob


def render_job_record(job: RenderJob) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": str(job.pk),
        "studio_id": str(job.studio_id),
        "license_id": str(job.requested_license_id),
        "status": job.status,
        "refusal_reason": job.refusal_reason or None,
        "error_code": job.error_code or None,
        "media_type": job.media_type,
        "target_sha256": job.target_sha256,
        "purpose": job.purpose,
        "territory": job.territory,
        "output_sha256": job.output_sha256 or None,
        "mark_id": job.mark_id,
        "engine": job.engine,
        "engine_models": job.engine_models,
        "faces_replaced": job.faces_replaced,
        "created_at": when(job.created_at),
        "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
    }


def render_job_evidence_bundle(*, job: RenderJob) -> bytes:
    related: list[tuple[str, str]] = []
    documents: dict[str, Any] = {}
    if job.license is not None:
        related.append(("licensing.license", str(job.license.pk)))
        documents[DOCUMENT_KIND] = license_evidence_document(job.license)
    return build_bundle(
        target_type="render.renderjob",
        target_id=str(job.pk),
        related_targets=related,
        documents=documents,
        records={"render_job": render_job_record(job)},
    )
