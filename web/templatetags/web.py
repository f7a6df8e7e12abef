from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.db.models import Choices
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.roles import Role, user_roles
from audit.access import is_admin

register = template.Library()


@register.simple_tag
def roles_of(user: Any) -> dict[str, bool]:
    """Which parts of the site to offer in the navigation (each page checks access itself)."""
    roles = user_roles(user)
    return {
        "owner": Role.OWNER in roles,
        "studio": Role.STUDIO_MEMBER in roles,
        "rights_holder": Role.RIGHTS_HOLDER_MEMBER in roles,
        "staff": is_admin(user),
    }


def _choice_label(choices: type[Choices], code: str) -> str:
    """A stored choice code in the reader's language (the code itself stays in the API); an unknown
    code as it is."""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@register.filter
def licence_status(code: str) -> str:
    """A licence status code ("active") in the reader's words."""
    from licensing.models import LicenseStatus

    return _choice_label(LicenseStatus, code)


@register.filter
def error_sentence(code: str, message: str = "") -> str:
    """A failed job's error code as a sentence in the reader's language (its stored message if none)."""
    from web.refusals import code_sentence

    return code_sentence(code, message)


@register.filter
def territory_names(codes: list[str] | str) -> str:
    """['FR', 'DE'] as "France and Germany" / "法国和德国"; WORLD as "worldwide" / "全球"; one code alone too."""
    from licensing.scope import territories_in_words

    return territories_in_words([codes] if isinstance(codes, str) else list(codes or []))


@register.simple_tag
def unread_count(user: Any) -> int:
    """How many of the signed-in person's notifications are unread (0 for a visitor)."""
    from accounts.notifications import notifications_unread_count

    return notifications_unread_count(user)


@register.filter
def licence_works(licence: Any) -> str:
    """The titles of the works a licence names, from its signed document."""
    from licensing.documents import parse

    try:
        works = parse(licence.document)["scope"].get("works", [])
    except (ValueError, KeyError, TypeError):
        return ""
    return ", ".join(str(work.get("title", "")) for work in works)


@register.filter
def licence_live_status(licence: Any) -> str:
    """The status as of now: an active licence past its term reads expired before the sweep runs."""
    from config import clock
    from licensing.selectors import license_effective_status

    return str(license_effective_status(licence, at=clock.now()).status)


@register.filter
def moment(value: datetime | None, precision: str = "minutes") -> str:
    """A point in time the way the reader's language writes it, with its timezone (the platform's:
    UTC): "Nov. 30, 2026, 14:05 UTC"; in Chinese "2026年11月30日 14:05" then the zone in full-width
    brackets. `precision` "seconds" adds the seconds.
    Machine-readable places (CSV, JSON, the API) keep ISO 8601; this is only for people."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    clock_time = local.strftime("%H:%M:%S" if precision == "seconds" else "%H:%M")
    return _("%(date)s, %(time)s %(zone)s") % {
        "date": date_format(local, "DATE_FORMAT"),
        "time": clock_time,
        "zone": timezone.get_current_timezone_name(),
    }


@register.filter
def use_name(code: str) -> str:
    """A use code ("film") as the reader's words ("a feature film" / its translation)."""
    from licensing.scope import Use

    return _choice_label(Use, code)


@register.filter
def media_type_label(code: str) -> str:
    """A media type code (image, video) in the reader's language (the code itself stays in the API)."""
    from licensing.models import MediaType

    return _choice_label(MediaType, code)
