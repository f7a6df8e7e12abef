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
    # likeness
    LIKENESS_OWNER_REGISTERED = "likeness_owner.registered"
    LIKENESS_CREATED = "likeness.created"
    LIKENESS_LICENSABILITY_CHANGED = "likeness.licensability_changed"
    # licensing: parties
    ORGANISATION_CREATED = "organisation.created"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_REMOVED = "membership.removed"
    # benchmarks write only into a scratch database, never the real trail
    BENCH_APPENDED = "bench.appended"
