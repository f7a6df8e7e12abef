from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    STUDIO = "studio", _("Studio")
    RIGHTS_HOLDER = "rights_holder", _("Rights holder")


class Organisation(models.Model):
    """A studio (requests licences and renders) or a rights holder (owns works)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "kind"], name="organisation_unique_name_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class MembershipRole(models.TextChoices):
    MANAGER = "manager", _("Manager (may add and remove members)")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


# --- Works and the rights held on them --------------------------------------------------------


class WorkKind(models.TextChoices):
    FILM = "film", _("Film")
    SERIES = "series", _("Series episode")
    CLIP = "clip", _("Clip")
    STILL = "still", _("Still image")
    ADVERT = "advert", _("Advertisement")
    GAME = "game", _("Game")


class MediaType(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class Work(models.Model):
    """A work (film, clip, still...) registered by the organisation that holds rights in it.

    A studio that claims to hold a work itself registers it as its own rights holder: `holder` is
    then the studio.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="works")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=WorkKind.choices)
    identifiers = models.JSONField(default=dict, blank=True, help_text="e.g. {'isan': ..., 'eidr': ...}")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class WorkFile(models.Model):
    """A media file belonging to a work, fingerprinted by sha256. A file belongs to one work only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="files")
    sha256 = models.CharField(max_length=64, unique=True)
    media_type = models.CharField(max_length=8, choices=MediaType.choices)
    name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name or self.sha256[:12]} ({self.work})"


class RightKind(models.TextChoices):
    REPRODUCE = "reproduce", _("Reproduce")
    ADAPT = "adapt", _("Adapt (alter, including face replacement)")
    DISTRIBUTE = "distribute", _("Distribute")


class WorkRight(models.Model):
    """A right the holder declares on its work, for a territory and a term."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="rights")
    right = models.CharField(max_length=16, choices=RightKind.choices)
    territories = models.JSONField(help_text='ISO 3166-1 alpha-2 codes, or ["WORLD"]')
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.right} on {self.work}"


class AdaptationGrant(models.Model):
    """A rights holder grants a studio the right to adapt a work: revocable, for a term and territory."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="adaptation_grants")
    studio = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="adaptation_grants")
    territories = models.JSONField(help_text='ISO 3166-1 alpha-2 codes, or ["WORLD"]')
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"adapt {self.work} -> {self.studio}"


# --- Signing keys -------------------------------------------------------------------------------


class KeyCustody(models.TextChoices):
    CUSTODIAL = "custodial", _("Custodial (held by the platform, encrypted at rest)")
    SELF = "self", _("Self-custody (the owner holds the private key)")


class OwnerKey(models.Model):
    """A likeness owner's Ed25519 key. Keys rotate: a retired key stays published so that documents
    signed under it keep verifying, but signs nothing new.

    `certificate` is the platform's signed key-registration record (licensing/trust.py): without one
    that verifies under a pinned platform key, the row is trusted nowhere (gate, JWKS, evidence)."""

    kid = models.CharField(max_length=40, primary_key=True)
    owner = models.ForeignKey("likeness.LikenessOwner", on_delete=models.PROTECT, related_name="signing_keys")
    custody = models.CharField(max_length=16, choices=KeyCustody.choices)
    public_key = models.BinaryField()
    encrypted_private_key = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    certificate = models.TextField(blank=True, default="", help_text="RFC 8785 key-registration record")
    certificate_signature = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=models.Q(retired_at__isnull=True), name="owner_key_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.custody})"


class PlatformKey(models.Model):
    """Every platform licence-signing key ever used: a history, never a source of trust (the keys
    signatures verify under are pinned from configuration, licensing/trust.py)."""

    kid = models.CharField(max_length=40, primary_key=True)
    public_key = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.kid


# --- Licences -----------------------------------------------------------------------------------


class LicenseStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested (awaiting the owner)")
    DECLINED = "declined", _("Declined by the owner")
    ACTIVE = "active", _("Active (signed and countersigned)")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    EXHAUSTED = "exhausted", _("Exhausted (render quota used up)")


class License(models.Model):
    """A licence to use a likeness under a scope, as a signed canonical document.

    `document` holds the exact RFC 8785 bytes (as text) that the owner signs; the enforced terms
    are always read from those bytes after their signatures verify, never from other columns.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1)
    likeness = models.ForeignKey("likeness.Likeness", on_delete=models.PROTECT, related_name="licenses")
    licensee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="licenses")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_licenses"
    )
    status = models.CharField(max_length=16, choices=LicenseStatus.choices, default=LicenseStatus.REQUESTED)
    status_changed_at = models.DateTimeField()
    document = models.TextField(help_text="RFC 8785 canonical JSON of the licence document")
    owner_key_id = models.CharField(max_length=40)
    owner_signature = models.CharField(max_length=100, blank=True)
    platform_key_id = models.CharField(max_length=40, blank=True)
    platform_signature = models.CharField(max_length=100, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    max_renders = models.PositiveIntegerField(null=True, blank=True)
    renders_used = models.PositiveIntegerField(default=0)
    decline_reason = models.CharField(max_length=500, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    revocation = models.TextField(blank=True, help_text="RFC 8785 canonical JSON of the signed revocation record")
    revocation_signature = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "valid_until"], name="license_status_until")]

    def __str__(self) -> str:
        return f"licence {self.pk} ({self.status})"


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookEndpoint(models.Model):
    """An HTTPS endpoint a party (an organisation or a likeness owner) registers for events."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    owner = models.ForeignKey(
        "likeness.LikenessOwner", null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    encrypted_secret = models.BinaryField()
    events = models.JSONField(default=list, blank=True, help_text="event types; empty means all")
    created_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=True, owner__isnull=False)
                | models.Q(organisation__isnull=False, owner__isnull=True),
                name="webhook_endpoint_one_party",
            ),
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    """One event for one endpoint; retried with backoff until delivered or out of attempts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=64)
    payload = models.TextField(help_text="the exact JSON body sent")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt at {self.attempted_at}: {self.status_code or self.error}"


class TrustedAttester(models.Model):
    """An organisation the platform trusts to vouch for who a likeness's owner is (an agency, a union)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, primary_key=True, related_name="attester_trust"
    )
    note = models.CharField(max_length=200, help_text="Why it is trusted, e.g. 'talent agency of record'.")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"trusted attester {self.organisation_id}"


class LikenessAttestation(models.Model):
    """A trusted organisation's statement that a likeness's owner is the person whose face it is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    likeness = models.ForeignKey("likeness.Likeness", on_delete=models.PROTECT, related_name="attestations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.CharField(max_length=500)
    attested_at = models.DateTimeField()

    class Meta:
        ordering = ["attested_at"]

    def __str__(self) -> str:
        return f"attestation of {self.likeness_id} by {self.organisation_id}"


class LicenceInvitation(models.Model):
    """An owner's invitation: a link with a short random code (kept only as its SHA-256) that lets a
    studio request a licence on her likeness without knowing its id. It expires and can be revoked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    likeness = models.ForeignKey("likeness.Likeness", on_delete=models.PROTECT, related_name="invitations")
    code_sha256 = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True, help_text="Whom she meant it for; only she sees it.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation to license {self.likeness_id}"


# Mandates live in their own module; imported here so Django registers them with this app.
from licensing.mandate_models import Mandate, MandateApproval  # noqa: E402, F401
