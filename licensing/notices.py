"""Who hears of a licence's events, in their inbox and by e-mail (accounts/notifications.py).

The likeness owner hears of requests to her and of her licences ending soon; the licensee studio's
members hear of approvals, declines and revocations. Called inside the event's transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from accounts.notifications import notify, notify_each
from config import clock
from licensing.models import License, LicenseStatus

_TO_OWNER = {"license.requested", "license.expiring"}
_TO_STUDIO = {"license.approved", "license.declined", "license.revoked"}


def studio_members(organisation_id: Any) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation_id=organisation_id, is_active=True).distinct()


def license_notify(license: License, kind: str) -> int:
    """Notify the party `kind` concerns (once per licence and kind); returns how many were notified."""
    params = {
        "studio": license.licensee.name,
        "likeness": license.likeness.display_name,
        "owner": license.likeness.owner.display_name,
        "until": license.valid_until.date().isoformat(),
    }
    key = f"{kind}:{license.pk}"
    link = reverse("web:licence", args=[license.pk])
    if kind in _TO_OWNER:
        owner = license.likeness.owner.user
        return int(notify(user=owner, kind=kind, event_key=key, params=params, link=link) is not None)
    if kind in _TO_STUDIO:
        return notify_each(
            users=studio_members(license.licensee_id), kind=kind, event_key=key, params=params, link=link
        )
    raise ValueError(f"no recipients for {kind!r}")


def license_expiring_notify() -> int:
    """Tell owners of active licences that end within LICENSE_EXPIRING_NOTICE_DAYS (once per
    licence: safe to run twice or concurrently). Returns how many were told now."""
    now = clock.now()
    soon = License.objects.select_related("likeness__owner__user", "licensee").filter(
        status=LicenseStatus.ACTIVE,
        valid_until__gt=now,
        valid_until__lte=now + timedelta(days=settings.LICENSE_EXPIRING_NOTICE_DAYS),
    )
    told = 0
    for license in soon:
        with transaction.atomic():
            told += license_notify(license, "license.expiring")
    return told
