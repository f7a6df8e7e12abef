from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from audit.access import can_read_audit_trail


class CanReadAuditTrail(BasePermission):
    message = "Only auditors and admins may read the audit trail."

    def has_permission(self, request: Any, view: Any) -> bool:
        return can_read_audit_trail(request.user)
