"""Mandates: a likeness owner (or, for an estate, an admin on documented evidence) lets a
representative act for her likenesses, within signed limits. Imported by licensing/models.py."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MandateKind(models.TextChoices):
    AGENT = "agent", _("Agent (acts beside a living owner)")
    ESTATE = "estate", _("Estate (acts for a performer who has died)")
    GUARDIAN = "guardian", _("Guardian (acts for a minor until a date)")


class MandateAct(models.TextChoices):
    REVIEW = "review", _("Review licence requests")
    APPROVE = "approve", _("Approve licences")
    DECLINE = "decline", _("Decline licences")
    REVOKE = "revoke", _("Revoke licences")
    SEE_RENDERS = "see_renders", _("See renders")
    SEE_EARNINGS = "see_earnings", _("See earnings")


class Mandate(models.Model):
    """One signed mandate. `document` holds the exact RFC 8785 bytes that `signature` signs (by the
    owner's key, or the platform's for an estate granted by an admin); the limits enforced are
    always read from those bytes, the columns only index them. `revoked_at` is the one mutable fact."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey("likeness.LikenessOwner", on_delete=models.PROTECT, related_name="mandates")
    representative = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates_held")
    kind = models.CharField(max_length=16, choices=MandateKind.choices)
    acts = models.JSONField(help_text="MandateAct values")
    purposes = models.JSONField(null=True, blank=True, help_text="licensing.scope Use values; null means all")
    likeness_ids = models.JSONField(help_text="the likenesses covered (string UUIDs)")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    require_owner_cosign = models.BooleanField(default=False)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.TextField(help_text="RFC 8785 canonical JSON of the mandate document")
    signer_key_id = models.CharField(max_length=40)
    signature = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["representative", "owner"], name="mandate_rep_owner")]

    def __str__(self) -> str:
        return f"{self.kind} mandate {self.pk}"


class MandateApproval(models.Model):
    """A representative's approval under a mandate that requires the owner's co-signature: the
    document as the representative signed it waits here (the licence stays REQUESTED) until the
    owner co-signs the same bytes."""

    license = models.OneToOneField("licensing.License", on_delete=models.CASCADE, related_name="mandate_approval")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="approvals")
    document = models.TextField()
    representative_key_id = models.CharField(max_length=40)
    representative_signature = models.CharField(max_length=100)
    owner_key_id = models.CharField(max_length=40, blank=True)
    owner_cosignature = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    cosigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"approval of {self.license_id} under {self.mandate_id}"


class MandateRefusal(models.TextChoices):
    """Why a representative's act is refused (the codes of licensing/mandate_documents.py)."""

    MISSING = "mandate_missing", _("You hold no mandate from this likeness's owner")
    ACT_NOT_COVERED = "mandate_act_not_covered", _("Your mandate does not cover this act")
    PURPOSE_NOT_COVERED = "mandate_purpose_not_covered", _("Your mandate does not cover the licence's purposes")
    LIKENESS_NOT_COVERED = "mandate_likeness_not_covered", _("Your mandate does not cover this likeness")
    EXPIRED = "mandate_expired", _("Your mandate is not in force at this time")
    REVOKED = "mandate_revoked", _("Your mandate has ended")
    SIGNATURE_NOT_SUPPORTED = "signature_not_supported", _("Representatives sign with a custodial key")
    EVIDENCE_REQUIRED = "evidence_required", _("An estate's mandate needs the letter of administration")
    COSIGN_KEY_ROTATED = "cosign_key_rotated", _("Your key changed after your agent signed; your agent signs again")
    GUARDIAN_NEEDS_END_DATE = "guardian_needs_end_date", _("A guardian's mandate ends on a date")
    CREDIT_MISSING = "mandate_credit_missing", _("The licence does not carry the estate's credit line")
