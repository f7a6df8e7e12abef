from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from licensing.models import (
    AdaptationGrant,
    License,
    Membership,
    Organisation,
    OwnerKey,
    PlatformKey,
    WebhookDelivery,
    Work,
    WorkFile,
)


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ["user", "role", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "organisation__name"]


@admin.register(Work)
class WorkAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "holder", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "holder__name"]


@admin.register(WorkFile)
class WorkFileAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "media_type", "work", "created_at"]
    search_fields = ["sha256", "work__title"]


@admin.register(AdaptationGrant)
class AdaptationGrantAdmin(ReadOnlyAdmin):
    list_display = ["work", "studio", "valid_from", "valid_until", "revoked_at"]
    search_fields = ["work__title", "studio__name"]


@admin.register(License)
class LicenseAdmin(ReadOnlyAdmin):
    list_display = ["id", "likeness", "licensee", "status", "renders_used", "max_renders", "valid_until"]
    list_filter = ["status"]
    search_fields = ["id", "licensee__name", "likeness__display_name"]
    exclude = ["requested_by"]


@admin.register(OwnerKey)
class OwnerKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "owner", "custody", "created_at", "retired_at"]
    exclude = ["encrypted_private_key"]


@admin.register(PlatformKey)
class PlatformKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "event_type"]
