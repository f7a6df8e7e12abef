from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LikenessOwner(models.Model):
    """A person whose likeness may be licensed (an actor), linked to their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="likeness_owner")
    display_name = models.CharField(max_length=200, help_text="Shown publicly on verification results.")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.display_name


class LikenessStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (no reference photos yet)")
    ENROLLED = "enrolled", _("Enrolled")
    FROZEN = "frozen", _("Frozen for review")
    DISPUTED = "disputed", _("Under dispute (a claim awaits review)")
    ERASED = "erased", _("Erased")


class Likeness(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(LikenessOwner, on_delete=models.PROTECT, related_name="likenesses")
    display_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=LikenessStatus.choices, default=LikenessStatus.DRAFT)
    licensable = models.BooleanField(default=True, help_text="Whether studios may request licences.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "likenesses"

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_status_display()})"


class LikenessKey(models.Model):
    """Where a likeness's data key lives: a reference into the key store, never the key itself.

    The key is in the key store (likeness/keystore.py), outside the database; `key_ref` is emptied
    and `destroyed_at` set when erasure destroys it.
    """

    likeness = models.OneToOneField(Likeness, on_delete=models.PROTECT, primary_key=True, related_name="data_key")
    key_ref = models.TextField(
        blank=True, default="", editable=False, help_text="Key store reference; empty once destroyed."
    )
    kek_id = models.CharField(max_length=32, help_text="Which key-encryption key wrapped it (file store).")
    created_at = models.DateTimeField()
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key of {self.likeness_id} ({'destroyed' if self.destroyed_at else 'live'})"


class ReferencePhoto(models.Model):
    """One enrolled photo of the owner's face; its pixels are stored encrypted in the default storage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    likeness = models.ForeignKey(Likeness, on_delete=models.PROTECT, related_name="photos")
    position = models.PositiveSmallIntegerField()
    storage_name = models.CharField(max_length=300, help_text="Encrypted PNG in the default storage.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["likeness", "position"]
        constraints = [models.UniqueConstraint(fields=["likeness", "position"], name="photo_position_unique")]

    def __str__(self) -> str:
        return f"photo {self.position} of {self.likeness_id}"


class FaceEmbedding(models.Model):
    """The encrypted embedding of the face in one reference photo, with the engine that made it.

    `search_token` changes with every row written, so a process's in-memory search index can tell
    that the rows changed even when ids are reused (see likeness/search.py).
    """

    likeness = models.ForeignKey(Likeness, on_delete=models.PROTECT, related_name="embeddings")
    photo = models.OneToOneField(ReferencePhoto, on_delete=models.PROTECT, related_name="embedding")
    engine = models.CharField(max_length=32)
    model_info = models.JSONField(help_text="Model name -> sha256 of every model the engine used.")
    dim = models.PositiveSmallIntegerField()
    ciphertext = models.BinaryField(editable=False)
    search_token = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["engine", "id"], name="embedding_engine_id")]

    def __str__(self) -> str:
        return f"{self.engine} embedding of {self.likeness_id}"


class LivenessPurpose(models.TextChoices):
    ENROLMENT = "enrolment", _("Proof of person at enrolment")
    CLAIM = "claim", _("A claim by the person whose face it is")
    PROTECTED = "protected", _("Registering a protected person")


class LivenessChallenge(models.Model):
    """A single-use head-turn challenge, and (once a clip was submitted) the result of checking it.

    `outcome` is "passed" or the reason code of the first check that failed. The clip is stored
    sealed under the likeness's data key (`clip_storage_name`) and deleted on erasure.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    likeness = models.ForeignKey(Likeness, on_delete=models.PROTECT, related_name="liveness_challenges")
    issued_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    purpose = models.CharField(max_length=16, choices=LivenessPurpose.choices, default=LivenessPurpose.ENROLMENT)
    sequence = models.JSONField(help_text='Head moves in order, e.g. ["left", "right", "up", "hold"].')
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True, default="")
    engine = models.CharField(max_length=32, blank=True, default="")
    model_info = models.JSONField(default=dict, blank=True)
    clip_storage_name = models.CharField(max_length=300, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["likeness", "outcome"], name="liveness_likeness_outcome")]

    def __str__(self) -> str:
        return f"liveness challenge {self.pk} ({self.outcome or 'open'})"


class LivenessClipFingerprint(models.Model):
    """A keyed hash (HMAC) of every clip ever submitted, so no clip is accepted twice (replay)."""

    digest = models.CharField(max_length=64, unique=True)
    challenge = models.ForeignKey(LivenessChallenge, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"clip fingerprint of {self.challenge_id}"


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Open (awaiting review)")
    UPHELD = "upheld", _("Upheld (likeness transferred to the claimant)")
    REJECTED = "rejected", _("Rejected")


class LikenessClaim(models.Model):
    """A person's claim that an enrolled likeness is her face, proven by her own live capture.

    Filing it puts the likeness under dispute; an admin's decision is a platform-signed document
    (`decision_document`, canonical JSON, and `decision_signature`, Ed25519 by the platform key).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    likeness = models.ForeignKey(Likeness, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    challenge = models.OneToOneField(LivenessChallenge, on_delete=models.PROTECT, related_name="claim")
    statement = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    previous_status = models.CharField(max_length=16, choices=LikenessStatus.choices)
    previous_owner = models.ForeignKey(LikenessOwner, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision_document = models.TextField(blank=True, default="")
    decision_signature = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"claim on {self.likeness_id} ({self.status})"


class ProtectedFace(models.Model):
    """A person's face registered by an admin, on her own live capture, so that nobody else can enrol it
    unnoticed: any later enrolment that matches is frozen for review before it can be licensed."""

    likeness = models.OneToOneField(Likeness, on_delete=models.PROTECT, primary_key=True, related_name="protection")
    challenge = models.OneToOneField(LivenessChallenge, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"protected face {self.likeness_id}"
