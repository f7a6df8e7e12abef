"""The accounts app's stable error codes (users, roles, API tokens). Add new ones; never rename."""

from __future__ import annotations

from django.db import models


class AccountsCode(models.TextChoices):
    USERNAME_TAKEN = "username_taken", "A user with this name already exists"
    UNKNOWN_USER = "unknown_user", "No user has this name"
    TOKEN_EXPIRY_PAST = "token_expiry_past", "A token's expiry must be in the future"
    TOKEN_REVOKED = "token_revoked", "The token this request used has been revoked"
    ROLE_NOT_GRANTABLE = "role_not_grantable", "This role is not granted by command; it follows from membership"
