"""Render jobs: a studio's request to put a licensed likeness into a registered work's file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused by the licence gate")
    FAILED = "failed", _("Failed")
    REVOKED = "revoked", _("Licence revoked while rendering (output discarded)")
    CANCELLED = "cancelled", _("Cancelled by the studio")


TERMINAL_STATUSES = {JobStatus.COMPLETED, JobStatus.REFUSED, JobStatus.FAILED, JobStatus.REVOKED, JobStatus.CANCELLED}


class FaceSelection(models.TextChoices):
    LARGEST = "largest", _("The largest face in each frame")
    INDEX = "index", _("The n-th face from the left")
    ALL = "all", _("Every face")


class RenderJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    studio = models.ForeignKey("licensing.Organisation", on_delete=models.PROTECT, related_name="render_jobs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="render_jobs")
    license = models.ForeignKey(
        "licensing.License", on_delete=models.PROTECT, related_name="render_jobs", null=True, blank=True
    )
    requested_license_id = models.UUIDField(help_text="As submitted, even when no such licence exists.")

    target_name = models.CharField(max_length=300, help_text="Storage name of the uploaded target file.")
    target_sha256 = models.CharField(max_length=64)
    media_type = models.CharField(max_length=8)  # image or video
    target_info = models.JSONField(default=dict)
    face_selection = models.CharField(max_length=8, choices=FaceSelection.choices, default=FaceSelection.LARGEST)
    face_index = models.PositiveSmallIntegerField(null=True, blank=True)
    purpose = models.CharField(max_length=40)
    territory = models.CharField(max_length=8)
    options = models.JSONField(default=dict)

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    frames_total = models.PositiveIntegerField(default=0)
    refusal_reason = models.CharField(max_length=40, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    use_reserved = models.BooleanField(default=False, help_text="One licence use is held for this job.")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker holds the job until then.")
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task was last sent to the broker (unset: never sent)."
    )

    engine = models.CharField(max_length=40, blank=True)
    engine_models = models.JSONField(default=dict, help_text="Model name -> sha256, as used for this job.")
    mark_id = models.BigIntegerField(null=True, blank=True, unique=True)
    output_name = models.CharField(max_length=300, blank=True)
    output_sha256 = models.CharField(max_length=64, blank=True)
    output_size = models.BigIntegerField(null=True, blank=True)
    faces_replaced = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["studio", "created_at"], name="render_job_studio_idx"),
            models.Index(fields=["status"], name="render_job_status_idx"),
            models.Index(fields=["output_sha256"], name="render_job_output_sha_idx"),
        ]

    def __str__(self) -> str:
        return f"render {self.pk} ({self.status})"


class RenderFee(models.Model):
    """The fee a licence's duties charge for one completed render: one row per job, written in the
    transaction that completes it. Amounts are integers in the currency's minor unit (cents)."""

    job = models.OneToOneField(RenderJob, on_delete=models.PROTECT, related_name="fee")
    license = models.ForeignKey("licensing.License", on_delete=models.PROTECT, related_name="render_fees")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    accrued_at = models.DateTimeField()

    class Meta:
        ordering = ["-accrued_at", "-id"]
        indexes = [models.Index(fields=["license", "accrued_at"], name="render_fee_license_idx")]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} for {self.job_id}"
