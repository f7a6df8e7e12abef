"""The web pages' own stable codes (form-level refusals that no service raises)."""

from __future__ import annotations

from django.db import models


class WebCode(models.TextChoices):
    LICENCE_UNUSABLE = "licence_unusable", "The chosen licence cannot be used for a render now"
