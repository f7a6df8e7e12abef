"""Downloads of a completed job's output: the short-lived link (presigned on S3, signed by us on local
storage) and the check of our own signed links; both refuse outputs of a revoked licence."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import transaction
from django.urls import reverse

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import audit_record
from config.errors import Conflict, Forbidden, NotFound
from licensing.models import License, LicenseStatus
from licensing.refusals import RefusalReason
from render.codes import RenderCode
from render.events import render_job_downloaded_notify
from render.models import JobStatus, RenderJob

_DOWNLOAD_SALT = "render.download"


def _refuse_if_license_revoked(job: RenderJob, *, actor: Actor, actor_label: str | None = None) -> None:
    """Once a licence is revoked, no output made under it is handed out again (audited refusal).

    Links issued before the revocation stay valid until they expire (DOWNLOAD_LINK_SECONDS, or
    S3_URL_EXPIRY_SECONDS for presigned S3 links): keep those short.
    """
    if job.license_id is None:
        return
    status = License.objects.filter(pk=job.license_id).values_list("status", flat=True).first()
    if status != LicenseStatus.REVOKED:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.RENDER_JOB_DOWNLOAD_REFUSED,
            target=job,
            data={"reason": "license_revoked", "license_id": str(job.license_id)},
            actor_label=actor_label,
        )
    raise Conflict("the licence this output was made under has been revoked", code=RefusalReason.LICENSE_REVOKED)


def render_job_download_url(*, job: RenderJob, actor: Actor, request_base: str) -> str:
    """A short-lived link to the output: presigned on S3, signed by us on local storage. Audited."""
    if job.status != JobStatus.COMPLETED or not job.output_name:
        raise Conflict("the job has no output to download", code=RenderCode.NO_OUTPUT)
    _refuse_if_license_revoked(job, actor=actor)
    # Its own id rather than the audit entry's seq: that is only assigned when the transaction commits.
    download_id = uuid.uuid4().hex
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.RENDER_JOB_DOWNLOADED,
            target=job,
            data={"output_sha256": job.output_sha256, "download_id": download_id},
        )
        render_job_downloaded_notify(job, download_id=download_id)
    if settings.STORAGES["default"]["BACKEND"].endswith("S3Storage"):
        return str(default_storage.url(job.output_name))
    token = TimestampSigner(salt=_DOWNLOAD_SALT).sign(str(job.pk))
    return f"{request_base}{reverse('render-job-file', args=[job.pk])}?token={token}"


def render_job_file_for_token(*, job_id: uuid.UUID, token: str) -> RenderJob:
    try:
        signed_id = TimestampSigner(salt=_DOWNLOAD_SALT).unsign(token, max_age=settings.DOWNLOAD_LINK_SECONDS)
    except SignatureExpired:
        raise Forbidden("the download link has expired", code=RenderCode.LINK_EXPIRED) from None
    except BadSignature:
        raise Forbidden("the download link is not valid", code=RenderCode.LINK_INVALID) from None
    if signed_id != str(job_id):
        raise Forbidden("the download link is not valid", code=RenderCode.LINK_INVALID)
    job = RenderJob.objects.filter(pk=job_id, status=JobStatus.COMPLETED).first()
    if job is None:
        raise NotFound("no such output")
    _refuse_if_license_revoked(job, actor=None, actor_label="download-link")
    return job
