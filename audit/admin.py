"""The audit trail in Django admin: readable by auditors and admins, writable by nobody."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.access import can_read_audit_trail
from audit.models import AuditCheckpoint, AuditEntry, AuditMerkleNode
from config.admin import ReadOnlyAdmin


class AuditReadOnlyAdmin(ReadOnlyAdmin):
    """Visible to auditors and admins only; ReadOnlyAdmin already refuses add, change and delete."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit_trail(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_read_audit_trail(request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor_label", "target_id", "entry_hash"]
    date_hierarchy = "created_at"
    ordering = ["-seq"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    list_per_page = 100


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(AuditReadOnlyAdmin):
    list_display = ["tree_size", "root_hash", "timestamp", "key_id", "storage_name"]
    ordering = ["-tree_size"]


@admin.register(AuditMerkleNode)
class AuditMerkleNodeAdmin(AuditReadOnlyAdmin):
    list_display = ["level", "index", "hash"]
    list_filter = ["level"]
