from __future__ import annotations

from typing import Any

from django import template

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


@register.filter
def licence_status(code: str) -> str:
    """A licence status code in the reader's language (the code itself stays in the API)."""
    from licensing.models import LicenseStatus

    try:
        return str(LicenseStatus(code).label)
    except ValueError:
        return code


@register.filter
def error_sentence(code: str, message: str = "") -> str:
    """A failed job's error code as a sentence in the reader's language (its stored message if none)."""
    from web.refusals import code_sentence

    return code_sentence(code, message)


@register.filter
def territory_names(codes: list[str]) -> str:
    """['FR', 'DE'] as "France and Germany" / "法国和德国"; WORLD as "worldwide" / "全球"."""
    from licensing.scope import territories_in_words

    return territories_in_words(list(codes or []))


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
def media_type_label(code: str) -> str:
    """A media type code (image, video) in the reader's language (the code itself stays in the API)."""
    from licensing.models import MediaType

    try:
        return str(MediaType(code).label)
    except ValueError:
        return code
