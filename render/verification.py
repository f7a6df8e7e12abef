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

import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from rest_framework import status

from config import clock
from config.codes import MediaCode
from config.errors import DomainError
from licensing.selectors import license_effective_status
from render.c2pa_manifest import ManifestReport, read_manifest
from render.media import REPOST_FORMATS, MediaInfo, MediaLimits, MediaRejected, probe_media
from render.models import JobStatus, RenderJob
from render.provenance import attribution_text, watermark_key
from render.watermark import VideoMarkAccumulator, watermarker_for

# At most this many video frames are read, spread over the whole clip; fewer when the frames are large
# (VERIFY_WORK_PIXELS bounds the pixels folded in all). The decoder sums evidence across frames.
MAX_VIDEO_FRAMES = 48
# The decoder searches rotation and scale itself (render/watermark.py), after these fixed scales
# (times 2.0 more when a JPEG was decoded at half size to stay within the pixel budget). Half and
# quarter size are tried directly: they are what reposts most often do, and where the picture itself
# repeats (a pan's streaks, grass) the lattice search can lose the grid that decoding at the right
# scale reads. bench watermark: half-size H.264 copies of panning shots 4 of 8 read before, 7 of 8
# with 2.0; quarter-size stills 9 of 10 before, 10 of 10 with 4.0.
SCALES = (1.0, 2.0, 4.0)
# C2PA defines no binding for WebM: its reader answers "unsupported", which is not a tampered manifest.
_MANIFEST_MIME = {"mp4": "video/mp4", "mov": "video/quicktime", "gif": "image/gif", "avif": "image/avif"}
# Decoder threads for a sampled video frame: frame threading would hold one frame per thread.
VIDEO_THREADS = 2


class VerificationTooCostly(DomainError):
    """The file is acceptable but reading it ran past the verification's deadline."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "verification_deadline_exceeded"


@dataclass(frozen=True)
class VerifyBudget:
    """What one public verification may cost (settings VERIFY_*; see deploy/env.example).

    Why caps in the web process rather than a sandboxed subprocess: with them no input can make a
    request large. Memory is the decoded luma of one image or frame (at most `max_decoded_pixels`
    bytes for an image, `max_video_frame_pixels` for a frame) plus strips of it being folded
    (render/watermark.py `fold_in_strips`); time is bounded by the pixels folded (`work_pixels`), the
    frames read and the deadline, checked between strips and frames. A subprocess per request would
    add an interpreter start and the watermark patterns' set-up (over a second) to every request.
    """

    max_decoded_pixels: int
    max_video_frame_pixels: int
    work_pixels: int
    deadline_seconds: float
    max_platform_pixels: int
    max_video_frames: int = MAX_VIDEO_FRAMES


def verify_budget() -> VerifyBudget:
    return VerifyBudget(
        max_decoded_pixels=settings.VERIFY_MAX_DECODED_PIXELS,
        max_video_frame_pixels=settings.VERIFY_MAX_VIDEO_FRAME_PIXELS,
        work_pixels=settings.VERIFY_WORK_PIXELS,
        deadline_seconds=float(settings.VERIFY_DEADLINE_SECONDS),
        max_platform_pixels=settings.RENDER_MAX_PIXELS,
    )


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise VerificationTooCostly(
                f"reading the file took longer than {self.seconds:g} s; send a smaller or shorter copy",
                detail={"deadline_seconds": self.seconds},
            )


@dataclass
class VerificationReport:
    media_type: str
    c2pa: dict[str, Any]
    watermark: dict[str, Any]
    job: dict[str, Any] | None = None
    license: dict[str, Any] | None = None
    likeness_owner: str | None = None
    likeness_under_dispute: bool = False
    attribution: str | None = None
    consistent: bool = True
    summary: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scales(pixels: int, *, native: float, budget: VerifyBudget) -> list[float]:
    """Scales (relative to the decoded pixels) worth trying within the budget; the native one always.

    Reading at `scale` folds pixels * scale**2 pixels: as many as the file had before it was shrunk,
    so a scale whose original could not have been rendered here (over RENDER_MAX_PIXELS) is skipped.
    """
    chosen: list[float] = []
    work = 0.0
    for scale in SCALES:
        cost = pixels * (native * scale) ** 2
        if chosen and (cost > budget.max_platform_pixels or work + cost > budget.work_pixels):
            continue
        chosen.append(native * scale)
        work += cost
    return chosen


def _too_many_pixels(info: MediaInfo, limit: int) -> MediaRejected:
    return MediaRejected(
        f"the file is {info.width}x{info.height} pixels; verification reads at most {limit} pixels",
        code=MediaCode.MEDIA_TOO_MANY_PIXELS,
        detail={"width": info.width, "height": info.height, "max_pixels": limit},
    )


def _image_luma(path: Path, info: MediaInfo, budget: VerifyBudget) -> tuple[np.ndarray, float]:
    """The image's luma, decoded within the pixel budget, and how much it was shrunk (1 or 2).

    JPEG decodes straight to luma (no colour planes), at half size through the DCT when the file is
    over the budget; PNG and WebP have no reduced decode, so one over the budget is refused.
    """
    from PIL import Image, UnidentifiedImageError

    pixels = info.width * info.height
    try:
        with Image.open(path) as image:
            shrink = 1.0
            if image.format == "JPEG":
                wanted = (info.width, info.height)
                if pixels > budget.max_decoded_pixels:
                    wanted = (math.ceil(info.width / 2), math.ceil(info.height / 2))
                image.draft("L", wanted)
                shrink = info.width / image.size[0]
                if image.size[0] * image.size[1] > budget.max_decoded_pixels:
                    raise _too_many_pixels(info, budget.max_decoded_pixels * 4)
            elif pixels > budget.max_decoded_pixels:
                raise _too_many_pixels(info, budget.max_decoded_pixels)
            image.load()
            luma = image if image.mode == "L" else image.convert("L")
            return np.asarray(luma), shrink
    except MediaRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaRejected(f"the file could not be decoded: {exc}", code=MediaCode.MEDIA_UNREADABLE) from None


def _frame_indices(count: int, wanted: int) -> list[int]:
    wanted = max(1, min(wanted, count))
    return sorted({min(count - 1, int((i + 0.5) * count / wanted)) for i in range(wanted)})


def _video_lumas(path: Path, info: MediaInfo, *, frames: int, deadline: _Deadline) -> Iterator[np.ndarray]:
    """Up to `frames` luma frames spread over the clip. A short clip is decoded in order (frames not
    wanted are decoded but never converted); a long one is sought, reading the key frame at or before
    each point, so the cost is the frames read, not the clip's length."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        stream.codec_context.thread_count = VIDEO_THREADS
        count = max(1, info.frame_count)
        wanted = _frame_indices(count, frames)
        if count <= 3 * len(wanted):
            targets = set(wanted)
            for index, frame in enumerate(container.decode(stream)):
                deadline.check()
                if index in targets:
                    yield frame.to_ndarray(format="gray")
                if index >= wanted[-1]:
                    return
            return
        seen: set[int] = set()
        time_base = stream.time_base
        for index in wanted:
            deadline.check()
            if time_base is None or info.fps <= 0:
                return
            start = stream.start_time or 0
            container.seek(start + int(index / info.fps / time_base), stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts not in seen:
                    seen.add(frame.pts)
                    yield frame.to_ndarray(format="gray")
                break


def _gif_lumas(path: Path, *, frames: int, deadline: _Deadline) -> Iterator[np.ndarray]:
    """Up to `frames` luma frames of a GIF (animated or not), in order; its frames are summed like a video's."""
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= frames:
                return
            deadline.check()
            yield np.asarray(frame.convert("L"))


def _decode(path: Path, info: MediaInfo, budget: VerifyBudget) -> dict[str, Any]:
    deadline = _Deadline(budget.deadline_seconds)
    watermarker = watermarker_for(watermark_key())
    if info.format == "gif":
        pixels = info.width * info.height
        if pixels > budget.max_video_frame_pixels:
            raise _too_many_pixels(info, budget.max_video_frame_pixels)
        frames = max(1, min(budget.max_video_frames, budget.work_pixels // max(1, pixels)))
        accumulator = VideoMarkAccumulator(watermarker, scales=SCALES)
        try:
            for luma in _gif_lumas(path, frames=frames, deadline=deadline):
                accumulator.add_luma(luma, check=deadline.check)
        except (OSError, ValueError, SyntaxError) as exc:
            if accumulator.frames == 0:
                raise MediaRejected(f"the GIF could not be decoded: {exc}", code=MediaCode.MEDIA_UNREADABLE) from None
    elif info.kind == "image":
        luma, shrink = _image_luma(path, info, budget)
        deadline.check()
        pixels = luma.shape[0] * luma.shape[1]
        scales = _scales(pixels, native=shrink, budget=budget)
        accumulator = VideoMarkAccumulator(watermarker, scales=scales)
        accumulator.add_luma(luma, check=deadline.check)
    else:
        import av

        pixels = info.width * info.height
        if pixels > budget.max_video_frame_pixels:
            raise _too_many_pixels(info, budget.max_video_frame_pixels)
        scales = _scales(pixels, native=1.0, budget=budget)
        # Frames are whitened and summed at their decoded size; each scale is resampled and folded
        # once, from the sum, at the end (within _scales' bound), so the frames read do not shrink
        # with the number of scales.
        frames = max(1, min(budget.max_video_frames, budget.work_pixels // max(1, pixels)))
        accumulator = VideoMarkAccumulator(watermarker, scales=scales)
        try:
            for luma in _video_lumas(path, info, frames=frames, deadline=deadline):
                accumulator.add_luma(luma, check=deadline.check)
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            # A body damaged past its headers: what was read before the damage still counts.
            if accumulator.frames == 0:
                raise MediaRejected(f"the video could not be decoded: {exc}", code=MediaCode.MEDIA_UNREADABLE) from None
    result = accumulator.result()
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


def verify_media_file(path: Path, *, limits: MediaLimits, budget: VerifyBudget | None = None) -> VerificationReport:
    """Verify `path` within `budget` (settings by default): refused with a stable code, never unbounded."""
    budget = budget or verify_budget()
    # Headers only: the bounded decode below finds a corrupt body (media_unreadable).
    info = probe_media(path, limits=limits, name=path.name, check_body=False, formats=REPOST_FORMATS)
    mime = _MANIFEST_MIME.get(info.format, f"image/{info.format}")
    manifest = read_manifest(path, mime=mime) if info.format != "webm" else ManifestReport(present=False)
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
        watermark=_decode(path, info, budget),
    )
    mark_id = report.watermark["mark_id"]
    job = _job_for(mark_id=mark_id, job_id=assertion.get("job_id") if manifest.intact else None)
    if job is not None and job.status != JobStatus.COMPLETED:
        job = None  # only delivered outputs can be out in the world
    _describe(report, job=job, manifest_job_id=assertion.get("job_id"), mark_id=mark_id)
    if report.attribution is None and manifest.intact and assertion.get("attribution"):
        report.attribution = str(assertion["attribution"])  # signed by this platform, even if no job is traced
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
        report.attribution = attribution_text(job)
        report.summary.append(f"made under licence {license.pk}, which is {status.status}")
        if license.likeness.status == "disputed":  # likeness/models.py LikenessStatus.DISPUTED
            report.likeness_under_dispute = True
            report.summary.append("the likeness is under dispute: someone has claimed that this face is hers")


def verify_media_upload(data_chunks: Any, *, size: int, limits: MediaLimits, suffix: str = "") -> VerificationReport:
    """Verify an uploaded file, held only in a private temporary file for the duration."""
    if size > limits.max_bytes:
        raise MediaRejected(
            f"the file is {size} bytes; the limit is {limits.max_bytes}",
            code=MediaCode.MEDIA_TOO_LARGE,
            detail={"size_bytes": size, "max_bytes": limits.max_bytes},
        )
    with tempfile.NamedTemporaryFile(prefix="verify-", suffix=suffix) as handle:
        for chunk in data_chunks:
            handle.write(chunk)
        handle.flush()
        return verify_media_file(Path(handle.name), limits=limits)
