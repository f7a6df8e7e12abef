from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from config import clock


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Optional end of life; a token minted with another token never outlives it.
    expires_at = models.DateTimeField(null=True, blank=True)
    # The token that minted this one (None when minted from a signed-in session or the command line):
    # revoking a token revokes everything it minted, so a stolen token cannot leave heirs behind.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (lkp_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()


class UserProfile(models.Model):
    """What the platform remembers about a person beyond the sign-in: the language she reads."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(max_length=16, blank=True, help_text="Preferred language code; empty: the default.")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or 'default'})"


class Notification(models.Model):
    """One message in a person's inbox. Its words are rendered from `kind` and `params` in the
    reader's language when shown or mailed, so nothing here is in any one language."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    event_key = models.CharField(max_length=120, help_text="One notification per recipient and event.")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"
