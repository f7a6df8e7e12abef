"""Render jobs from the studio's side: storing an upload and submitting a QUEUED job, sending its task
to the broker, cancelling, and refusing the jobs of an erased likeness."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.codes import MediaCode
from config.errors import Conflict, Forbidden, Invalid, NotFound
from config.storage import storage_call, storage_save
from licensing.models import License, Organisation, OrganisationKind
from licensing.refusals import RefusalReason
from render.codes import RenderCode
from render.events import render_job_event
from render.job_states import render_job_transition
from render.limits import media_limits
from render.media import MediaInfo, MediaRejected, probe_media
from render.models import TERMINAL_STATUSES, FaceSelection, JobStatus, RenderJob

logger = logging.getLogger(__name__)


EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "mp4": ".mp4"}


def _studio_for(user: Any, studio_id: uuid.UUID | None) -> Organisation:
    studios = Organisation.objects.filter(kind=OrganisationKind.STUDIO, memberships__user=user).distinct()
    if studio_id is not None:
        studio = studios.filter(pk=studio_id).first()
        if studio is None:
            raise NotFound("no such studio")
        return studio
    found = list(studios[:2])
    if not found:
        raise Forbidden("only studio members may submit renders", code=RenderCode.NOT_A_STUDIO_MEMBER)
    if len(found) > 1:
        raise Invalid("you belong to several studios; name one with studio_id", code=RenderCode.STUDIO_REQUIRED)
    return found[0]


def _store_upload(upload: UploadedFile[bytes], *, name: str) -> tuple[Path, MediaInfo]:
    """Copy the upload to a private temporary file and probe it; nothing is stored if it is refused."""
    size = upload.size or 0
    if size > settings.RENDER_MAX_UPLOAD_BYTES:
        raise MediaRejected(
            f"{name} is {size} bytes; the limit is {settings.RENDER_MAX_UPLOAD_BYTES}",
            code=MediaCode.MEDIA_TOO_LARGE,
            detail={"file": name, "size_bytes": size},
        )
    handle = tempfile.NamedTemporaryFile(prefix="upload-", delete=False)
    path = Path(handle.name)
    try:
        with handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return path, probe_media(path, limits=media_limits(), name=name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def render_job_submit(
    *,
    user: Any,
    license_id: uuid.UUID,
    upload: UploadedFile[bytes],
    purpose: str,
    territory: str,
    face_selection: FaceSelection = FaceSelection.LARGEST,
    face_index: int | None = None,
    studio_id: uuid.UUID | None = None,
) -> RenderJob:
    """Store the target file and a QUEUED job; the worker runs the gate. Bad media is refused here."""
    studio = _studio_for(user, studio_id)
    if face_selection == FaceSelection.INDEX and face_index is None:
        raise Invalid("face_index is required when faces=index", code=RenderCode.FACE_INDEX_REQUIRED)
    name = upload.name or "upload"
    path, info = _store_upload(upload, name=name)
    try:
        # Stored before the job row exists: an outage here (storage_unavailable, storage_full)
        # leaves neither a job nor a partial file. A stored file whose job insert then fails is
        # harmless: it is named by its bytes, and the next submission of them reuses it.
        storage_name = f"uploads/{info.sha256}{EXTENSIONS[info.format]}"
        if not storage_call(lambda: default_storage.exists(storage_name)):
            storage_name = storage_save(storage_name, path)
    finally:
        path.unlink(missing_ok=True)
    with transaction.atomic():
        job = RenderJob.objects.create(
            studio=studio,
            submitted_by=user,
            license=License.objects.filter(pk=license_id).first(),
            requested_license_id=license_id,
            target_name=storage_name,
            target_sha256=info.sha256,
            media_type=info.kind,
            target_info={
                "format": info.format,
                "width": info.width,
                "height": info.height,
                "duration_seconds": info.duration_seconds,
                "fps": info.fps,
                "frame_count": info.frame_count,
                "has_audio": info.has_audio,
            },
            face_selection=face_selection,
            face_index=face_index,
            purpose=purpose,
            territory=territory.strip().upper(),
            frames_total=info.frame_count,
            created_at=clock.now(),
        )
        audit_record(
            actor=user,
            action=AuditAction.RENDER_JOB_SUBMITTED,
            target=job,
            data={
                "license_id": str(license_id),
                "studio_id": str(studio.pk),
                "target_sha256": info.sha256,
                "media_type": info.kind,
                "purpose": purpose,
                "territory": job.territory,
            },
        )
        transaction.on_commit(lambda: enqueue_job(job.pk))
    return job


def enqueue_job(job_id: uuid.UUID) -> bool:
    """Send the job's task to the broker; False (logged) when the broker cannot be reached.

    The job is already committed as QUEUED, so a broker outage loses nothing: the submission still
    answers 201, and the reaper sends the task once the broker is back (dispatched_at stays unset).
    """
    from kombu.exceptions import OperationalError as BrokerError

    from render.tasks import render_job_run

    try:
        render_job_run.apply_async(args=[str(job_id)])
    except BrokerError as exc:
        logger.warning("render job %s could not be queued (%s); the reaper will queue it", job_id, exc)
        return False
    RenderJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(dispatched_at=clock.now())
    return True


def render_job_cancel(*, job: RenderJob, actor: Actor) -> RenderJob:
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job.pk)
        if job.status in TERMINAL_STATUSES:
            raise Conflict(f"the job is already {job.status}", code=RenderCode.JOB_FINISHED)
        render_job_transition(
            job,
            to=JobStatus.CANCELLED,
            action=AuditAction.RENDER_JOB_CANCELLED,
            data={},
            changes={"finished_at": clock.now()},
            actor=actor,
        )
    return job


def render_jobs_refuse_for_erased_likeness(*, likeness: Any, actor: Actor) -> int:
    """Refuse every QUEUED or RUNNING job under a licence for `likeness` (reason likeness_erased).

    Called by the erasure hook (render/erasure.py) inside the erasure's transaction. A queued job is
    then never claimed; a running one is stopped by its worker's next heartbeat (the job is no longer
    RUNNING), which stores nothing. Returns how many jobs it refused.
    """
    refused = 0
    now = clock.now()
    reason = RefusalReason.LIKENESS_ERASED.value
    with transaction.atomic():
        jobs = RenderJob.objects.select_for_update(of=("self",)).filter(
            license__likeness=likeness, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        )
        for job in jobs:
            render_job_transition(
                job,
                to=JobStatus.REFUSED,
                action=AuditAction.RENDER_JOB_REFUSED,
                data={
                    "reason": reason,
                    "license_id": str(job.requested_license_id),
                    "previous_status": job.status,
                },
                changes={"refusal_reason": reason, "finished_at": now, "lease_until": None},
                actor=actor,
            )
            render_job_event(job, "refused", reason=reason)
            refused += 1
    return refused
