"""The worker's run of one render job: claim, gate, identity, frames, release; outages and requeues.

The run is idempotent and safe to deliver twice: a job in a final state is left alone, a
job another worker holds (an unexpired lease) is left alone (the caller is told when that lease ends,
so the task looks again then), and a job whose worker died (expired lease) is taken over without
reserving a second licence use. Heavy work happens outside any
transaction; each state change is one short transaction with its audit entry.

Outages are not failures: when the storage or the database cannot be reached (or the disk is full)
the job goes back to QUEUED and its task retries with backoff, up to RENDER_MAX_ATTEMPTS attempts;
then it fails with the outage's code. Jobs whose worker died are found by the reaper (render/reaper.py).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from audit.actions import AuditAction
from config import clock
from config.errors import DomainError, ErrorCode, database_is_unreachable
from config.storage import storage_call, storage_delete_quietly, storage_failure, storage_save
from licensing.gate import license_authorize, license_release_use
from licensing.models import License
from licensing.refusals import RefusalReason
from likeness.engines.base import SwapSource, get_engine
from likeness.services import likeness_identity_materials
from render import pipeline, provenance
from render.codes import RenderCode
from render.events import render_job_event
from render.fees import render_fee_accrue
from render.job_states import render_job_transition
from render.media import MediaRejected
from render.models import TERMINAL_STATUSES, JobStatus, RenderJob
from render.submission import EXTENSIONS
from render.uploads import upload_discard_if_unused
from render.video import transcode

logger = logging.getLogger(__name__)


class _Stop(Exception):
    def __init__(self, status: JobStatus, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class _Claim:
    job: RenderJob
    first_attempt: bool


@dataclass(frozen=True)
class _Held:
    """Another worker holds the job until `until` (its lease)."""

    until: datetime


def _gate(job: RenderJob, *, reserve: bool) -> RefusalReason | None:
    authorization = license_authorize(
        license_id=job.requested_license_id,
        studio=job.studio_id,
        work_file_sha256=job.target_sha256,
        purpose=job.purpose,
        media_type=job.media_type,
        duration_seconds=float(job.target_info.get("duration_seconds", 0.0)),
        territory=job.territory,
        reserve=reserve,
    )
    if authorization.allowed:
        return None
    # A job that already holds a reserved use may have been the one that used the quota up.
    if not reserve and authorization.reason == RefusalReason.LICENSE_EXHAUSTED and job.use_reserved:
        return None
    return authorization.reason or RefusalReason.LICENSE_NOT_ACTIVE


def _claim(job_id: uuid.UUID) -> _Claim | _Held | None:
    now = clock.now()
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in TERMINAL_STATUSES:
            return None
        if job.status == JobStatus.RUNNING and job.lease_until is not None and job.lease_until > now:
            return _Held(until=job.lease_until)  # another worker holds it
        first = job.attempts == 0
        if job.status == JobStatus.RUNNING and job.attempts >= settings.RENDER_MAX_ATTEMPTS:
            # Its worker died on the last allowed attempt (a render that kills its worker every
            # time, say by running out of memory, must not be retried for ever).
            fail_worker_lost(job)
            return None
        if not job.use_reserved:
            refusal = _gate(job, reserve=True)
            if refusal is not None:
                render_job_transition(
                    job,
                    to=JobStatus.REFUSED,
                    action=AuditAction.RENDER_JOB_REFUSED,
                    data={"reason": refusal.value, "license_id": str(job.requested_license_id)},
                    changes={"refusal_reason": refusal.value, "finished_at": now},
                    actor_label="render-worker",
                )
                render_job_event(job, "refused", reason=refusal.value)
                transaction.on_commit(lambda: upload_discard_if_unused(job.target_name))
                return None
            job.use_reserved = True
        elif (refusal := _gate(job, reserve=False)) is not None:
            # Fix: a take-over (the dead worker reserved the use) used to skip the gate entirely, so
            # the likeness's identity was decrypted again before the first re-check even when the
            # licence had been revoked meanwhile. It is checked now, before anything is touched,
            # and ends as a render stopped by its re-check would: REVOKED, output-less.
            render_job_transition(
                job,
                to=JobStatus.REVOKED,
                action=AuditAction.RENDER_JOB_REVOKED,
                data={"code": refusal.value},
                changes={"refusal_reason": refusal.value, "finished_at": now, "lease_until": None},
                actor_label="render-worker",
            )
            render_job_event(job, "revoked", reason=refusal.value)
            return None
        render_job_transition(
            job,
            to=JobStatus.RUNNING,
            action=AuditAction.RENDER_JOB_STARTED if first else AuditAction.RENDER_JOB_RESUMED,
            data={"attempt": job.attempts + 1},
            changes={
                "attempts": job.attempts + 1,
                "started_at": job.started_at or now,
                "lease_until": now + timedelta(seconds=settings.RENDER_LEASE_SECONDS),
                "use_reserved": job.use_reserved,
                "progress": 0,
                "frames_done": 0,
            },
            actor_label="render-worker",
        )
    if not first:
        # A dead worker may have stored its output and died before committing: that object
        # belongs to no completed job, so it goes before this attempt makes its own.
        _discard_outputs(job.pk)
    return _Claim(job=job, first_attempt=first)


def _heartbeat(job: RenderJob, *, done: int, total: int, recheck: bool) -> None:
    """Record progress, extend the lease, and stop if the studio cancelled or the licence fell."""
    now = clock.now()
    progress = min(99, int(done * 100 / total)) if total else 0
    updated = RenderJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        frames_done=done,
        frames_total=max(total, done),
        progress=progress,
        lease_until=now + timedelta(seconds=settings.RENDER_LEASE_SECONDS),
    )
    if not updated:
        raise _Stop(JobStatus.CANCELLED, "cancelled")
    if recheck and (refusal := _gate(job, reserve=False)) is not None:
        raise _Stop(JobStatus.REVOKED, refusal.value)


def _source(job: RenderJob) -> tuple[SwapSource, str, dict[str, str]]:
    assert job.license is not None
    materials = likeness_identity_materials(likeness=job.license.likeness, purpose=f"render {job.pk}")
    engine = get_engine(materials.engine)
    source = SwapSource(image=materials.photos[0], face=materials.faces[0], embedding=materials.embeddings[0])
    return source, engine.name, {**engine.model_info()}


def _produce(job: RenderJob, work_dir: Path) -> Path:
    source, engine_name, models = _source(job)
    RenderJob.objects.filter(pk=job.pk).update(engine=engine_name, engine_models=models)
    job.engine, job.engine_models = engine_name, models
    marker = provenance.frame_marker(job)
    renderer = pipeline.FrameRenderer(
        engine=get_engine(engine_name), source=source, selection=job.face_selection, index=job.face_index, mark=marker
    )
    target = work_dir / f"target{EXTENSIONS[job.target_info['format']]}"
    with default_storage.open(job.target_name, "rb") as stored, target.open("wb") as local:
        shutil.copyfileobj(stored, local)
    if hashlib.sha256(target.read_bytes()).hexdigest() != job.target_sha256:
        raise _Stop(JobStatus.FAILED, "target_changed")
    recheck_every = settings.RENDER_RECHECK_FRAMES
    if job.media_type == "image":
        output = work_dir / f"output{EXTENSIONS[job.target_info['format']]}"
        frame = renderer(pipeline.read_image(target), 0)
        _heartbeat(job, done=1, total=1, recheck=True)
        xmp = provenance.xmp_packet(job=job, label=provenance.label_text(job))
        pipeline.write_image(frame, output, fmt=job.target_info["format"], xmp=xmp)
    else:
        output = work_dir / "output.mp4"
        limit = int(settings.RENDER_MAX_VIDEO_SECONDS * settings.RENDER_MAX_FPS)

        def progress(done: int, total: int) -> None:
            _heartbeat(job, done=done, total=total, recheck=done % recheck_every == 0)

        transcode(target, output, transform=renderer.stages(), progress=progress, max_frames=limit)
    if renderer.faces_replaced == 0:
        raise _Stop(JobStatus.FAILED, "no_target_face")
    job.faces_replaced = renderer.faces_replaced
    return provenance.finalise_file(output, job=job)


def _finish(job: RenderJob, *, status: JobStatus, code: str = "", message: str = "") -> None:
    with transaction.atomic():
        locked = RenderJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING:
            return  # cancelled meanwhile: the cancellation already recorded the end
        _end_locked(locked, status=status, code=code, message=message)


def fail_worker_lost(locked: RenderJob) -> None:
    message = f"the worker died during attempt {locked.attempts}"
    _end_locked(locked, status=JobStatus.FAILED, code=RenderCode.WORKER_LOST, message=message)


def _end_locked(locked: RenderJob, *, status: JobStatus, code: str, message: str = "") -> None:
    """End a job whose row this transaction holds (FAILED or REVOKED), with its audit entry.

    A FAILED job's reserved use goes back to the licence; once this commits, any object an attempt
    left under the job's output prefix is deleted (no output without a completed job).
    """
    changes: dict[str, Any] = {"finished_at": clock.now(), "lease_until": None}
    if status == JobStatus.REVOKED:
        changes["refusal_reason"] = code
    else:
        changes.update(error_code=code, error_message=message[:500])
    if status == JobStatus.FAILED and locked.use_reserved and locked.license_id is not None:
        # Nothing was delivered, so the studio gets its use back. This locks the licence row, so
        # it comes before this transaction's own audit append: every transaction takes row locks
        # first and the audit lock last, or two of them can wait on each other (a deadlock seen
        # between a failing job and a concurrent submission holding the licence row).
        license_release_use(license_id=locked.license_id)
        changes["use_reserved"] = False
    render_job_transition(
        locked,
        to=status,
        action=AuditAction.RENDER_JOB_REVOKED if status == JobStatus.REVOKED else AuditAction.RENDER_JOB_FAILED,
        data={"code": code},
        changes=changes,
        actor_label="render-worker",
    )
    if status == JobStatus.REVOKED:
        render_job_event(locked, "revoked", reason=code)
    job_id = locked.pk
    transaction.on_commit(lambda: _discard_outputs(job_id))


def _release(job: RenderJob, output: Path) -> None:
    """Re-check the licence, then store the output and complete the job: or discard it."""
    if (refusal := _gate(job, reserve=False)) is not None:
        raise _Stop(JobStatus.REVOKED, refusal.value)
    data = output.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    stored = storage_save(f"outputs/{job.pk}/{sha256[:16]}{output.suffix}", output)
    try:
        _complete(job, stored=stored, sha256=sha256, size=len(data))
    except BaseException:
        # The database went away before the job was COMPLETED: no output may exist without its job.
        storage_delete_quietly(stored)
        raise


def _complete(job: RenderJob, *, stored: str, sha256: str, size: int) -> None:
    with transaction.atomic():
        locked = RenderJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING:
            default_storage.delete(stored)
            return
        # The licence row decides, not the race: held until this completion commits, so a revocation
        # either committed before the check below (and is seen) or waits and is recorded after it.
        License.objects.select_for_update(no_key=True).filter(pk=job.requested_license_id).exists()
        if (refusal := _gate(job, reserve=False)) is not None:
            default_storage.delete(stored)
            raise _Stop(JobStatus.REVOKED, refusal.value)
        fee = render_fee_accrue(locked)  # the licence's per-render fee, on the ledger with the completion
        render_job_transition(
            locked,
            to=JobStatus.COMPLETED,
            action=AuditAction.RENDER_JOB_COMPLETED,
            changes={
                "progress": 100,
                "output_name": stored,
                "output_sha256": sha256,
                "output_size": size,
                "faces_replaced": job.faces_replaced,
                "mark_id": job.mark_id,
                "finished_at": clock.now(),
                "lease_until": None,
            },
            data={
                "output_sha256": sha256,
                "mark_id": job.mark_id,
                "faces_replaced": job.faces_replaced,
                "engine": job.engine,
                "engine_models": job.engine_models,
                "fee": None if fee is None else {"amount_minor": fee.amount_minor, "currency": fee.currency},
            },
            actor_label="render-worker",
        )
        render_job_event(locked, "completed")


def render_job_execute(job_id: uuid.UUID | str) -> float | None:
    """The worker's whole run of one job (see module docstring for the idempotency rules).

    Returns None when the job needs nothing more from this delivery, or the seconds after which the
    caller must run it again: when another worker holds the job (until that worker's lease runs
    out), or when an outage sent the job back to the queue (the retry's backoff).
    """
    try:
        claim = _claim(uuid.UUID(str(job_id)))
    except DatabaseError as exc:
        if not database_is_unreachable(exc):
            raise
        # Nothing was changed (the claim's transaction died with the connection): look again later.
        logger.warning("render job %s: the database is unreachable; retrying", job_id)
        connection.close()
        return float(settings.RENDER_RETRY_BASE_SECONDS)
    if claim is None:
        return None
    if isinstance(claim, _Held):
        # Fix: this used to return silently, and the task's delivery was acknowledged. When the
        # holder was a worker killed mid-render whose message the broker redelivered before the
        # lease ran out, nobody ever looked at the job again: it stayed RUNNING forever with a
        # licence use reserved. Now the task retries when the lease ends (render/tasks.py).
        return max(0.0, (claim.until - clock.now()).total_seconds())
    job = claim.job
    with tempfile.TemporaryDirectory(prefix=f"render-{job.pk}-") as work:
        try:
            output = _produce(job, Path(work))
            _release(job, output)
        except _Stop as stop:
            if stop.status != JobStatus.CANCELLED:
                _finish(job, status=stop.status, code=stop.code)
        except MediaRejected as exc:
            _finish(job, status=JobStatus.FAILED, code=exc.code, message=exc.message)
        except DatabaseError as exc:
            if not database_is_unreachable(exc):
                raise
            return _after_database_outage(job)
        except Exception as exc:
            outage = exc if isinstance(exc, DomainError) else storage_failure(exc)
            if outage is not None and outage.code in _OUTAGE_CODES:
                return _requeue(job, code=outage.code)
            logger.exception("render job %s failed", job.pk)
            _finish(job, status=JobStatus.FAILED, code=ErrorCode.INTERNAL_ERROR, message=type(exc).__name__)
    return None


_OUTAGE_CODES = {"storage_unavailable", "storage_full", "database_unavailable"}


def _retry_delay(attempt: int) -> float:
    return float(settings.RENDER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))


def _requeue(job: RenderJob, *, code: str) -> float | None:
    """Put a job an outage interrupted back in the queue; after the last attempt, fail it with `code`.

    Returns the seconds until the task should run it again, or None when the job ended here.
    """
    with transaction.atomic():
        locked = RenderJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING:
            return None  # cancelled, erased or taken over meanwhile: whoever did that owns it now
        if locked.attempts >= settings.RENDER_MAX_ATTEMPTS:
            _end_locked(locked, status=JobStatus.FAILED, code=code, message=f"gave up after {locked.attempts} attempts")
            return None
        delay = _retry_delay(locked.attempts)
        requeue_locked(locked, code=code, retry_at=clock.now() + timedelta(seconds=delay))
    return delay  # anything this attempt stored is deleted when the next one claims the job


def requeue_locked(locked: RenderJob, *, code: str, retry_at: datetime | None) -> None:
    # The retry's message is sent by the caller (a task retry, or the reaper on commit); until
    # `retry_at` the reaper treats the job as dispatched.
    render_job_transition(
        locked,
        to=JobStatus.QUEUED,
        action=AuditAction.RENDER_JOB_REQUEUED,
        data={"code": code, "attempt": locked.attempts, "previous_status": locked.status},
        changes={"lease_until": None, "dispatched_at": retry_at},
        actor_label="render-worker",
    )


def _after_database_outage(job: RenderJob) -> float:
    """The database connection broke mid-render. Try once on a fresh connection to requeue the job;
    if the database is still down, leave it RUNNING: its lease runs out and the reaper (or this
    task's retry, which comes after the lease) takes it over."""
    connection.close()
    try:
        delay = _requeue(job, code=ErrorCode.DATABASE_UNAVAILABLE)
    except DatabaseError as exc:
        logger.warning("render job %s: the database is still unreachable (%s)", job.pk, type(exc).__name__)
        connection.close()
        return float(settings.RENDER_LEASE_SECONDS + 1)
    return delay if delay is not None else 0.0


def _discard_outputs(job_id: uuid.UUID) -> None:
    """Delete every stored object under the job's output prefix (best effort).

    Called when a job ends without completing and before every attempt but the first, so that an
    output stored by an attempt that then died never stays beside a job that is not COMPLETED.
    """
    prefix = f"outputs/{job_id}"
    try:
        _dirs, files = storage_call(lambda: default_storage.listdir(prefix))
    except (FileNotFoundError, DomainError):
        return
    for name in files:
        storage_delete_quietly(f"{prefix}/{name}")
