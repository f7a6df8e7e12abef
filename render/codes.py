"""The render app's stable error codes (submission, jobs, downloads). Add new ones; never rename.

A job that fails records one of these, a media code (config.codes) or a gate refusal (licensing.refusals).
"""

from __future__ import annotations

from django.db import models


class RenderCode(models.TextChoices):
    MONTH_INVALID = "month_invalid", "The month must be written YYYY-MM"
    LICENSE_ID_INVALID = "license_id_invalid", "The licence filter is not a licence id"
    NOT_A_STUDIO_MEMBER = "not_a_studio_member", "Only studio members may submit renders"
    STUDIO_REQUIRED = "studio_required", "The user belongs to several studios; name one with studio_id"
    FACE_INDEX_REQUIRED = "face_index_required", "face_index is required when faces=index"
    JOB_FINISHED = "job_finished", "The job has already finished"
    NO_OUTPUT = "no_output", "The job has no output to download"
    LINK_EXPIRED = "link_expired", "The download link has expired"
    LINK_INVALID = "link_invalid", "The download link is not valid"
    WORKER_LOST = "worker_lost", "The worker running the job stopped answering"
    TRANSITION_REFUSED = "render_job_transition_refused", "The job cannot move from its state to that one"
