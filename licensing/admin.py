from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from audit.access import is_admin
from config.admin import ReadOnlyAdmin
from config.errors import DomainError
from licensing.claims import claim_decide
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
from likeness.models import LikenessClaim, LivenessChallenge


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


def _captures(challenges: Any) -> str:
    rows = [
        f"{c.checked_at or c.issued_at:%Y-%m-%d %H:%M} {c.purpose}: {'/'.join(c.sequence)}"
        f" → {c.outcome or 'not submitted'} ({c.engine or '-'}, challenge {c.pk})"
        for c in challenges
    ]
    return "\n".join(rows) or "none"


@admin.register(LikenessClaim)
class LikenessClaimAdmin(ReadOnlyAdmin):
    """The review page of claims: both sides' evidence, and the two decisions (signed and audited)."""

    list_display = ["likeness", "claimant", "status", "filed_at", "previous_owner", "decided_at"]
    list_filter = ["status"]
    actions = ["transfer_to_claimant", "reject_claim"]
    readonly_fields = ["claimant_evidence", "enrolling_account_evidence", "decision_document", "decision_signature"]

    @admin.display(description="Claimant's live capture")
    def claimant_evidence(self, claim: LikenessClaim) -> str:
        return _captures([claim.challenge])

    @admin.display(description="Enrolling account's live captures")
    def enrolling_account_evidence(self, claim: LikenessClaim) -> str:
        captures = LivenessChallenge.objects.filter(
            likeness_id=claim.likeness_id, issued_to_id=claim.previous_owner.user_id
        ).order_by("issued_at")
        photos = claim.likeness.photos.count()
        return f"{photos} enrolment photo(s); captures:\n{_captures(captures)}"

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def _decide(self, request: HttpRequest, queryset: Any, *, uphold: bool) -> None:
        for claim in queryset:
            try:
                claim_decide(claim=claim, uphold=uphold, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{claim}: {exc.message} ({exc.code})", level=messages.ERROR)
            else:
                self.message_user(request, f"{claim}: decided ({'transferred' if uphold else 'rejected'}), signed")

    @admin.action(
        description="Uphold: transfer to the claimant (licences revoked as fraudulent)", permissions=["decide"]
    )
    def transfer_to_claimant(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, uphold=True)

    @admin.action(description="Reject the claim", permissions=["decide"])
    def reject_claim(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, uphold=False)
