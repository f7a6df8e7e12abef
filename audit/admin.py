"""The audit trail in Django admin: readable by auditors and admins, writable by nobody."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from audit.access import can_read_audit_trail, is_admin
from audit.custody import audit_log_verify
from audit.evidence import build_bundle
from audit.models import AuditCheckpoint, AuditEntry, AuditMerkleNode, Witness
from audit.signing import key_id
from audit.witnesses import checkpoints_with_cosignature_counts, parse_witness_key, witness_register
from config.admin import ReadOnlyAdmin
from config.errors import DomainError


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
        verdict = audit_log_verify()
        chain = verdict.chain.as_dict()
        chain["details_json"] = json.dumps(chain["details"], indent=2, sort_keys=True)
        context = {
            **self.admin_site.each_context(request),
            "verdict": verdict.as_dict(),
            "chain": chain,
            "checkpoints": verdict.checkpoints.as_dict(),
            "latest": checkpoints_with_cosignature_counts()[:10],
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
    list_display = ["tree_size", "root_hash", "timestamp", "key_id", "cosigned_by", "storage_name"]
    ordering = ["-tree_size"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditCheckpoint]:
        return checkpoints_with_cosignature_counts()

    @admin.display(description=_("Witnesses cosigned"), ordering="cosigned_by")
    def cosigned_by(self, checkpoint: AuditCheckpoint) -> int:
        return int(getattr(checkpoint, "cosigned_by", 0))


class WitnessForm(forms.ModelForm[Witness]):
    class Meta:
        model = Witness
        fields = ["name", "public_key"]
        help_texts = {
            "public_key": _("The witness's Ed25519 public key, raw 32 bytes in base64, as audit_witness prints it.")
        }

    def clean_public_key(self) -> str:
        value = str(self.cleaned_data["public_key"]).strip()
        try:
            key = parse_witness_key(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        if Witness.objects.filter(key_id=key_id(key)).exists():
            raise forms.ValidationError(_("A witness with this key is already registered."))
        return value


@admin.register(Witness)
class WitnessAdmin(AuditReadOnlyAdmin):
    """Admins register witnesses (through the audited service); nobody edits or deletes one here."""

    form = WitnessForm
    list_display = ["name", "key_id", "active", "created_at", "cosignature_count"]
    readonly_fields = ["key_id", "active", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Witness]:
        return Witness.objects.annotate(cosignature_count=Count("cosignatures"))

    @admin.display(description=_("Cosignatures"), ordering="cosignature_count")
    def cosignature_count(self, witness: Witness) -> int:
        return int(getattr(witness, "cosignature_count", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "public_key"] if obj is None else ["name", "public_key", "key_id", "active", "created_at"]

    def save_model(self, request: HttpRequest, obj: Witness, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied
        try:
            registered = witness_register(
                name=form.cleaned_data["name"], public_key_b64=form.cleaned_data["public_key"], actor=request.user
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from None
        obj.pk = registered.pk


@admin.register(AuditMerkleNode)
class AuditMerkleNodeAdmin(AuditReadOnlyAdmin):
    list_display = ["level", "index", "hash"]
    list_filter = ["level"]
