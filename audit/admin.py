"""The audit trail in Django admin: readable by auditors and admins, writable by nobody."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from audit.access import can_read_audit_trail
from audit.checkpoints import audit_checkpoints_verify
from audit.evidence import build_bundle
from audit.models import AuditCheckpoint, AuditEntry, AuditMerkleNode
from audit.selectors import audit_chain_verify
from config.admin import ReadOnlyAdmin


class AuditReadOnlyAdmin(ReadOnlyAdmin):
    """Visible to auditors and admins only; ReadOnlyAdmin already refuses add, change and delete."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit_trail(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_read_audit_trail(request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "action", "target_type", "target_id", "target_history"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor_label", "target_id", "entry_hash"]
    date_hierarchy = "created_at"
    ordering = ["-seq"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    list_per_page = 100
    change_list_template = "admin/audit/auditentry/change_list.html"
    # A target's whole history and one actor's actions are links with these lookups.
    _history_lookups = {"target_type", "target_id", "actor__id__exact", "actor_id"}

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in self._history_lookups or super().lookup_allowed(lookup, value, request)

    @admin.display(description="History")
    def target_history(self, entry: AuditEntry) -> str:
        query = urlencode({"target_type": entry.target_type, "target_id": entry.target_id})
        url = f"{reverse('admin:audit_auditentry_changelist')}?{query}"
        return format_html('<a href="{}">all entries for this target</a>', url)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = dict(extra_context or {})
        target_type, target_id = request.GET.get("target_type"), request.GET.get("target_id")
        if target_type and target_id:
            context["evidence_url"] = reverse("admin:audit_evidence", args=[target_type, target_id])
        return super().changelist_view(request, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("review/", self.admin_site.admin_view(self.review_view), name="audit_review"),
            path(
                "evidence/<str:target_type>/<str:target_id>/",
                self.admin_site.admin_view(self.evidence_view),
                name="audit_evidence",
            ),
        ]
        return own + super().get_urls()

    def review_view(self, request: HttpRequest) -> HttpResponse:
        """The chain and every stored checkpoint, verified now: green, or red at the first break."""
        if not can_read_audit_trail(request.user):
            raise PermissionDenied
        chain = audit_chain_verify().as_dict()
        chain["details_json"] = json.dumps(chain["details"], indent=2, sort_keys=True)
        context = {
            **self.admin_site.each_context(request),
            "chain": chain,
            "checkpoints": audit_checkpoints_verify().as_dict(),
            "latest": AuditCheckpoint.objects.order_by("-tree_size")[:10],
            "title": "Audit trail review",
        }
        return TemplateResponse(request, "admin/audit/review.html", context)

    def evidence_view(self, request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
        if not can_read_audit_trail(request.user):
            raise PermissionDenied
        bundle = build_bundle(target_type=target_type, target_id=target_id)
        response = HttpResponse(bundle, content_type="application/zip")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{target_type}-{target_id}")
        response["Content-Disposition"] = f'attachment; filename="evidence-{safe}.zip"'
        return response


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(AuditReadOnlyAdmin):
    list_display = ["tree_size", "root_hash", "timestamp", "key_id", "storage_name"]
    ordering = ["-tree_size"]


@admin.register(AuditMerkleNode)
class AuditMerkleNodeAdmin(AuditReadOnlyAdmin):
    list_display = ["level", "index", "hash"]
    list_filter = ["level"]
