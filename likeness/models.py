from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class LikenessOwner(models.Model):
    """A person whose likeness may be licensed (an actor), linked to their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="likeness_owner")
    display_name = models.CharField(max_length=200, help_text="Shown publicly on verification results.")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.display_name


class LikenessStatus(models.TextChoices):
    DRAFT = "draft", "Draft (no reference photos yet)"
    ENROLLED = "enrolled", "Enrolled"
    FROZEN = "frozen", "Frozen for review"
    ERASED = "erased", "Erased"


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
