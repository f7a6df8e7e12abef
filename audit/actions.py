"""The one enumeration of audited actions.

Names are dotted `<entity>.<past-tense verb>` and never change once written: they are part of the
hashed entry, so renaming one would make old entries unverifiable. Add new names; never edit old.
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    # accounts
    USER_CREATED = "user.created"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    USER_LANGUAGE_CHANGED = "user_profile.language_changed"
    # likeness
    LIKENESS_OWNER_REGISTERED = "likeness_owner.registered"
    LIKENESS_CREATED = "likeness.created"
    LIKENESS_LICENSABILITY_CHANGED = "likeness.licensability_changed"
    LIKENESS_ENROLLED = "likeness.enrolled"
    LIKENESS_FROZEN = "likeness.frozen"
    LIKENESS_REVIEWED = "likeness.reviewed"
    LIKENESS_ERASED = "likeness.erased"
    LIKENESS_MATERIALS_RELEASED = "likeness.materials_released"
    LIKENESS_LIVENESS_CHALLENGED = "likeness.liveness_challenged"
    LIKENESS_LIVENESS_CHECKED = "likeness.liveness_checked"
    LIKENESS_DISPUTED = "likeness.disputed"
    LIKENESS_CLAIM_DECIDED = "likeness_claim.decided"
    LIKENESS_PROTECTED = "likeness.protected"
    LIKENESS_ATTESTED = "likeness.attested"
    ATTESTER_TRUSTED = "organisation.attester_trusted"
    # licensing: parties
    ORGANISATION_CREATED = "organisation.created"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_REMOVED = "membership.removed"
    # licensing: works, rights, keys, licences, webhooks
    WORK_REGISTERED = "work.registered"
    WORK_FILE_REGISTERED = "work_file.registered"
    WORK_RIGHT_REGISTERED = "work_right.registered"
    ADAPTATION_GRANTED = "adaptation_grant.granted"
    ADAPTATION_GRANT_REVOKED = "adaptation_grant.revoked"
    OWNER_KEY_CREATED = "owner_key.created"
    OWNER_KEY_RETIRED = "owner_key.retired"
    PLATFORM_KEY_REGISTERED = "platform_key.registered"
    LICENSE_REQUESTED = "license.requested"
    LICENSE_APPROVED = "license.approved"
    LICENSE_DECLINED = "license.declined"
    LICENSE_REVOKED = "license.revoked"
    LICENSE_EXPIRED = "license.expired"
    LICENSE_USE_RESERVED = "license.use_reserved"
    LICENSE_USE_RELEASED = "license.use_released"
    LICENSE_EXHAUSTED = "license.exhausted"
    LICENCE_INVITATION_CREATED = "licence_invitation.created"
    LICENCE_INVITATION_REVOKED = "licence_invitation.revoked"
    MANDATE_GRANTED = "mandate.granted"
    MANDATE_ENDED = "mandate.ended"
    MANDATE_ACTED = "mandate.acted"
    MANDATE_COSIGNED = "mandate.cosigned"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"
    # render
    RENDER_JOB_SUBMITTED = "render_job.submitted"
    RENDER_JOB_REFUSED = "render_job.refused"
    RENDER_JOB_STARTED = "render_job.started"
    RENDER_JOB_RESUMED = "render_job.resumed"
    RENDER_JOB_REQUEUED = "render_job.requeued"
    RENDER_JOB_COMPLETED = "render_job.completed"
    RENDER_JOB_FAILED = "render_job.failed"
    RENDER_JOB_REVOKED = "render_job.revoked"
    RENDER_JOB_CANCELLED = "render_job.cancelled"
    RENDER_JOB_DOWNLOADED = "render_job.downloaded"
    RENDER_JOB_DOWNLOAD_REFUSED = "render_job.download_refused"
    # audit custody: witnesses and their cosignatures
    AUDIT_WITNESS_REGISTERED = "audit_witness.registered"
    AUDIT_CHECKPOINT_COSIGNED = "audit_checkpoint.cosigned"
    # benchmarks write only into a scratch database, never the real trail
    BENCH_APPENDED = "bench.appended"
