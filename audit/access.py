"""Who may read the audit trail: auditors (members of the `auditor` group) and admins (superusers)."""

from __future__ import annotations

from typing import Any

AUDITOR_GROUP = "auditor"


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def is_auditor(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.groups.filter(name=AUDITOR_GROUP).exists())


def can_read_audit_trail(user: Any) -> bool:
    return is_admin(user) or is_auditor(user)
