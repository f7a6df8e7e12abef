from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class OrganisationKind(models.TextChoices):
    STUDIO = "studio", "Studio"
    RIGHTS_HOLDER = "rights_holder", "Rights holder"


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
    MANAGER = "manager", "Manager (may add and remove members)"
    MEMBER = "member", "Member"


class Membership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"
