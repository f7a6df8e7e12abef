"""Reads the pages need that the apps' selectors do not offer as such; each starts from an app
selector, so what a user may see is still decided there."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from licensing.models import License
from licensing.selectors import licenses_visible_to


def licences_of_owner(user: Any) -> QuerySet[License]:
    """Licences of the user's own likenesses (not every licence an admin may see)."""
    return licenses_visible_to(user).filter(likeness__owner__user=user)


def licences_of_studios(user: Any) -> QuerySet[License]:
    """Licences held by the studios the user belongs to."""
    return licenses_visible_to(user).filter(licensee__memberships__user=user).distinct()
