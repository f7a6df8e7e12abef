"""Was this file rendered here, under which licence, and does that licence still stand?

Anyone may ask. The answer says only what can be proven from the file itself:
- its C2PA manifest: present, and valid (signed by the platform's certificate) or tampered;
- its invisible mark: found (the mark id) or not, decoded from the pixels, so it survives
  re-encoding, resizing, cropping and screenshots that strip the manifest;
- what those map to: the render job, the licence, the likeness owner's public display name,
  and the licence's status now (a file made under a since-revoked licence says revoked).
When the manifest and the mark disagree about the job, the report says so.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from config import clock
from licensing.selectors import license_effective_status
from render.c2pa_manifest import read_manifest
from render.media import MediaLimits, MediaRejected, probe_media
from render.models import JobStatus, RenderJob
from render.pipeline import read_image
from render.provenance import watermark_key
from render.video import iter_frames
from render.watermark import decode_image, decode_video_frames

# Enough frames to read a mark through H.264 (the decoder sums evidence across frames) while
# keeping a verification request to seconds on a long video.
MAX_VIDEO_FRAMES = 150
# A half-size copy (a common re-share) is read by scaling it back up (2.0); each scale tried doubles
# the (tiny) false-positive bound.
SCALES = (1.0, 2.0)


@dataclass
class VerificationReport:
    media_type: str
    c2pa: dict[str, Any]
    watermark: dict[str, Any]
    job: dict[str, Any] | None = None
    license: dict[str, Any] | None = None
    likeness_owner: str | None = None
    likeness_under_dispute: bool = False
    consistent: bool = True
    summary: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _decode(path: Path, media_type: str) -> dict[str, Any]:
    key = watermark_key()
    if media_type == "image":
        result = decode_image(read_image(path), key=key, scales=SCALES)
    else:
        result = decode_video_frames(itertools.islice(iter_frames(path), MAX_VIDEO_FRAMES), key=key, scales=SCALES)
    return {
        "found": result.found,
        "mark_id": result.mark_id,
        "score": round(result.score, 2),
        "frames_examined": result.frames,
    }


def _job_for(*, mark_id: int | None, job_id: str | None) -> RenderJob | None:
    jobs = RenderJob.objects.select_related("license", "license__likeness__owner", "studio")
    if mark_id is not None:
        job = jobs.filter(mark_id=mark_id).first()
        if job is not None:
            return job
    if job_id:
        try:
            return jobs.filter(pk=job_id).first()
        except (ValueError, TypeError):
            return None
    return None


def verify_media_file(path: Path, *, limits: MediaLimits) -> VerificationReport:
    info = probe_media(path, limits=limits, name=path.name)
    manifest = read_manifest(path, mime="video/mp4" if info.kind == "video" else f"image/{info.format}")
    assertion = manifest.license_assertion or {}
    report = VerificationReport(
        media_type=info.kind,
        c2pa={
            "present": manifest.present,
            "state": manifest.state or None,
            "valid": manifest.intact,
            "failures": manifest.failures,
            "assertion": assertion or None,
        },
        watermark=_decode(path, info.kind),
    )
    mark_id = report.watermark["mark_id"]
    job = _job_for(mark_id=mark_id, job_id=assertion.get("job_id") if manifest.intact else None)
    if job is not None and job.status != JobStatus.COMPLETED:
        job = None  # only delivered outputs can be out in the world
    _describe(report, job=job, manifest_job_id=assertion.get("job_id"), mark_id=mark_id)
    return report


def _describe(
    report: VerificationReport, *, job: RenderJob | None, manifest_job_id: str | None, mark_id: int | None
) -> None:
    if report.c2pa["present"]:
        report.summary.append("C2PA manifest valid" if report.c2pa["valid"] else "C2PA manifest present but tampered")
    else:
        report.summary.append("no C2PA manifest")
    report.summary.append(f"invisible mark {mark_id} found" if report.watermark["found"] else "no invisible mark")
    if job is None:
        report.summary.append("not traceable to a render made here")
        return
    if manifest_job_id and report.c2pa["valid"] and manifest_job_id != str(job.pk):
        report.consistent = False
        report.summary.append("the manifest and the mark name different jobs")
    report.job = {
        "id": str(job.pk),
        "studio": job.studio.name,
        "finished_at": job.finished_at,
        "output_sha256": job.output_sha256,
        "mark_id": job.mark_id,
    }
    license = job.license
    if license is not None:
        status = license_effective_status(license, at=clock.now())
        report.license = {
            "id": str(license.pk),
            "status": status.status,
            "since": status.since,
            "reason": status.reason,
        }
        report.likeness_owner = license.likeness.owner.display_name
        report.summary.append(f"made under licence {license.pk}, which is {status.status}")
        if license.likeness.status == "disputed":  # likeness/models.py LikenessStatus.DISPUTED
            report.likeness_under_dispute = True
            report.summary.append("the likeness is under dispute: someone has claimed that this face is hers")


def verify_media_upload(data_chunks: Any, *, size: int, limits: MediaLimits, suffix: str = "") -> VerificationReport:
    """Verify an uploaded file, held only in a private temporary file for the duration."""
    if size > limits.max_bytes:
        raise MediaRejected(
            f"the file is {size} bytes; the limit is {limits.max_bytes}",
            code="media_too_large",
            detail={"size_bytes": size, "max_bytes": limits.max_bytes},
        )
    with tempfile.NamedTemporaryFile(prefix="verify-", suffix=suffix) as handle:
        for chunk in data_chunks:
            handle.write(chunk)
        handle.flush()
        return verify_media_file(Path(handle.name), limits=limits)
