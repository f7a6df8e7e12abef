"""A licence's scope: what it permits, what it prohibits, what it demands, and the check against it.

Modelled on W3C ODRL (permissions with constraints, prohibitions, duties) but cut down to what the
render gate enforces. The rule is closed-world: a licence grants only what it names. A work, a
purpose, a media type or a territory that is not listed is refused; a render past the term, the
quota or the maximum output duration is refused.

The scope lives inside the signed licence document as plain JSON (`Scope.to_document()`); the gate
reads it back from the verified document (`Scope.from_document()`), never from other columns.
Pure logic: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, ngettext, to_locale
from django.utils.translation import gettext_lazy as _

from licensing.documents import format_time, parse_time
from licensing.refusals import RefusalReason

WORLD = "WORLD"
_TERRITORY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_RENDERS_LIMIT = 1_000_000
# A week of output: far beyond any single render, and small enough for every number type on the way.
MAX_OUTPUT_SECONDS_LIMIT = 7 * 24 * 3600


class Use(models.TextChoices):
    """Uses of a likeness: a licence permits some as purposes and may prohibit others."""

    FILM = "film", _("a feature film")
    SERIES = "series", _("a series")
    ADVERTISING = "advertising", _("advertising")
    GAME = "game", _("a video game")
    PARODY = "parody", _("parody")
    MUSIC_VIDEO = "music_video", _("a music video")
    EDUCATION = "education", _("education")
    NEWS = "news", _("news reporting")
    SEXUAL_CONTENT = "sexual_content", _("sexual content")
    POLITICAL_CAMPAIGNING = "political_campaigning", _("political campaigning")
    ENDORSEMENT = "endorsement", _("endorsing a product or cause")


DEFAULT_PROHIBITIONS = (Use.POLITICAL_CAMPAIGNING.value, Use.SEXUAL_CONTENT.value)
MEDIA_TYPES = ("image", "video")


class ScopeError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Fee:
    amount: str  # a decimal string, never a float, so the signed bytes are exact
    currency: str


@dataclass(frozen=True)
class Scope:
    works: tuple[dict[str, str], ...]  # {"id": ..., "title": ...}
    purposes: tuple[str, ...]
    media_types: tuple[str, ...]
    territories: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    max_renders: int
    max_output_seconds: int | None
    prohibited_uses: tuple[str, ...] = DEFAULT_PROHIBITIONS
    label_text: str = "Synthetic media: licensed likeness"
    attribution: str | None = None
    fee_per_render: Fee | None = None
    work_ids: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "work_ids", frozenset(w["id"] for w in self.works))

    def to_document(self) -> dict[str, Any]:
        return {
            "works": sorted(self.works, key=lambda w: w["id"]),
            "purposes": sorted(self.purposes),
            "media_types": sorted(self.media_types),
            "territories": sorted(self.territories),
            "valid_from": format_time(self.valid_from),
            "valid_until": format_time(self.valid_until),
            "max_renders": self.max_renders,
            "max_output_seconds": self.max_output_seconds,
            "prohibited_uses": sorted(self.prohibited_uses),
            "duties": {
                "label_text": self.label_text,
                "attribution": self.attribution,
                "fee_per_render": None
                if self.fee_per_render is None
                else {"amount": self.fee_per_render.amount, "currency": self.fee_per_render.currency},
            },
        }

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> Scope:
        duties = data["duties"]
        fee = duties.get("fee_per_render")
        return cls(
            works=tuple({"id": str(w["id"]), "title": str(w["title"])} for w in data["works"]),
            purposes=tuple(data["purposes"]),
            media_types=tuple(data["media_types"]),
            territories=tuple(data["territories"]),
            valid_from=parse_time(data["valid_from"]),
            valid_until=parse_time(data["valid_until"]),
            max_renders=int(data["max_renders"]),
            max_output_seconds=None if data["max_output_seconds"] is None else int(data["max_output_seconds"]),
            prohibited_uses=tuple(data["prohibited_uses"]),
            label_text=str(duties["label_text"]),
            attribution=duties.get("attribution"),
            fee_per_render=None if fee is None else Fee(amount=str(fee["amount"]), currency=str(fee["currency"])),
        )


def _unique(values: list[str], field_name: str, allowed: set[str] | None = None) -> tuple[str, ...]:
    if not values:
        raise ScopeError(field_name, f"{field_name} must name at least one value")
    if allowed is not None and (unknown := sorted(set(values) - allowed)):
        raise ScopeError(field_name, f"unknown {field_name}: {', '.join(unknown)}")
    return tuple(sorted(set(values)))


def _territories(values: list[str], field_name: str = "territories") -> tuple[str, ...]:
    cleaned = _unique([v.strip().upper() for v in values], field_name)
    if WORLD in cleaned and len(cleaned) > 1:
        raise ScopeError(field_name, f"{WORLD} already covers every territory; name it alone")
    if bad := [t for t in cleaned if t != WORLD and not _TERRITORY.match(t)]:
        raise ScopeError(field_name, f"not ISO 3166-1 alpha-2 codes: {', '.join(bad)}")
    return cleaned


def clean_territories(values: list[str]) -> tuple[str, ...]:
    """Validate a territory list (ISO 3166-1 alpha-2 codes, or WORLD alone); raises ScopeError."""
    return _territories(values)


def _fee(value: dict[str, Any] | None) -> Fee | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value["amount"]))
    except (KeyError, InvalidOperation):
        raise ScopeError("fee_per_render", "fee amount must be a decimal number") from None
    currency = str(value.get("currency", "")).upper()
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ScopeError("fee_per_render", "fee amount must be non-negative with at most 2 decimals")
    if not _CURRENCY.match(currency):
        raise ScopeError("fee_per_render", "currency must be an ISO 4217 code")
    return Fee(amount=f"{amount:.2f}", currency=currency)


def build_scope(
    *,
    works: list[dict[str, str]],
    purposes: list[str],
    media_types: list[str],
    territories: list[str],
    valid_from: datetime,
    valid_until: datetime,
    max_renders: int,
    max_output_seconds: int | None = None,
    prohibited_uses: list[str] | None = None,
    label_text: str | None = None,
    attribution: str | None = None,
    fee_per_render: dict[str, Any] | None = None,
) -> Scope:
    """Validate requested terms into a Scope; raises ScopeError naming the field at fault."""
    if not works or len({str(w["id"]) for w in works}) != len(works):
        raise ScopeError("works", "a licence names at least one work, each once")
    all_uses = {u.value for u in Use}
    purpose_set = _unique(purposes, "purposes", all_uses)
    prohibited = tuple(sorted(set(prohibited_uses if prohibited_uses is not None else DEFAULT_PROHIBITIONS)))
    if unknown := sorted(set(prohibited) - all_uses):
        raise ScopeError("prohibited_uses", f"unknown prohibited_uses: {', '.join(unknown)}")
    if overlap := sorted(set(purpose_set) & set(prohibited)):
        raise ScopeError("purposes", f"both permitted and prohibited: {', '.join(overlap)}")
    media = _unique(media_types, "media_types", set(MEDIA_TYPES))
    if valid_until <= valid_from:
        raise ScopeError("valid_until", "valid_until must be after valid_from")
    if not 1 <= max_renders <= MAX_RENDERS_LIMIT:
        raise ScopeError("max_renders", f"max_renders must be between 1 and {MAX_RENDERS_LIMIT}")
    if max_output_seconds is not None and not 1 <= max_output_seconds <= MAX_OUTPUT_SECONDS_LIMIT:
        raise ScopeError("max_output_seconds", f"max_output_seconds must be between 1 and {MAX_OUTPUT_SECONDS_LIMIT}")
    if "video" in media and max_output_seconds is None:
        raise ScopeError("max_output_seconds", "a licence that permits video names a maximum output duration")
    label = (label_text or Scope.label_text).strip()
    if not label or len(label) > 200:
        raise ScopeError("label_text", "label_text must be 1 to 200 characters")
    return Scope(
        works=tuple(sorted(({"id": str(w["id"]), "title": str(w["title"])} for w in works), key=lambda w: w["id"])),
        purposes=purpose_set,
        media_types=media,
        territories=_territories(territories),
        # Signed documents carry whole seconds; truncate now so the row and the document agree.
        valid_from=valid_from.replace(microsecond=0),
        valid_until=valid_until.replace(microsecond=0),
        max_renders=max_renders,
        max_output_seconds=max_output_seconds,
        prohibited_uses=prohibited,
        label_text=label,
        attribution=(attribution or "").strip() or None,
        fee_per_render=_fee(fee_per_render),
    )


def covers_territory(territories: tuple[str, ...] | list[str], territory: str) -> bool:
    return WORLD in territories or territory in territories


@dataclass(frozen=True)
class RenderRequest:
    """What a render asks of a licence."""

    work_id: str
    purpose: str
    media_type: str
    territory: str
    duration_seconds: float
    at: datetime


def scope_check(scope: Scope, request: RenderRequest) -> RefusalReason | None:  # noqa: PLR0911 - one guard per term
    """The first reason `scope` refuses `request`, or None. Anything not permitted is refused."""
    if request.at < scope.valid_from:
        return RefusalReason.LICENSE_NOT_YET_VALID
    if request.at >= scope.valid_until:
        return RefusalReason.LICENSE_EXPIRED
    if request.work_id not in scope.work_ids:
        return RefusalReason.WORK_NOT_IN_SCOPE
    if request.purpose in scope.prohibited_uses:
        return RefusalReason.USE_PROHIBITED
    if request.purpose not in scope.purposes:
        return RefusalReason.PURPOSE_NOT_PERMITTED
    if request.media_type not in scope.media_types:
        return RefusalReason.MEDIA_TYPE_NOT_PERMITTED
    if not covers_territory(scope.territories, request.territory):
        return RefusalReason.TERRITORY_NOT_PERMITTED
    limit = scope.max_output_seconds
    if request.duration_seconds < 0 or (limit is not None and request.duration_seconds > limit):
        return RefusalReason.DURATION_EXCEEDED
    return None


def _join(words: list[str], last: str) -> str:
    """Join words as the reader's language does: "a, b and c" in English, "a、b和c" in Chinese.

    `last` is the translated pattern that joins the final word ("%(items)s and %(last)s" or its
    "or" twin); the separator between the others is translated too."""
    if len(words) == 1:
        return words[0]
    items = words[0]
    for word in words[1:-1]:
        items = gettext("%(first)s, %(next)s") % {"first": items, "next": word}
    return last % {"items": items, "last": words[-1]}


def _and(words: list[str]) -> str:
    return _join(words, gettext("%(items)s and %(last)s"))


def _or(words: list[str]) -> str:
    return _join(words, gettext("%(items)s or %(last)s"))


def territory_name(code: str) -> str:
    """An ISO 3166-1 alpha-2 code as the country's name in the active language (the code if unknown)."""
    if code == WORLD:
        return gettext("worldwide")
    locale = Locale.parse(to_locale(get_language() or "en"))
    return str(locale.territories.get(code, code))


def territories_in_words(codes: tuple[str, ...] | list[str]) -> str:
    """Territory codes as country names joined in the active language ("worldwide" for WORLD)."""
    return _and([territory_name(code) for code in codes]) if codes else ""


def date_in_words(value: datetime) -> str:
    """A date the way the active language writes it ("Nov. 29, 2026", "2026年11月29日")."""
    return str(date_format(value, "DATE_FORMAT"))


def _use(value: str) -> str:
    return str(Use(value).label) if value in Use.values else value


MEDIA_NAMES = {"image": _("still images"), "video": _("video")}


def describe(scope: Scope, *, to_studio: bool = False) -> list[str]:
    """The scope in plain language, one sentence per term, as shown to the owner before signing
    (or, `to_studio`, to the licensee studio: the owner's likeness, the owner may revoke).

    Sentences are in the active language (Django's translation.override or the request's): dates in
    words, territories by name, lists joined with that language's "and" or "or"."""
    titles = _and([gettext("“%(title)s”") % {"title": w["title"]} for w in scope.works])
    media = _and([str(MEDIA_NAMES.get(m, m)) for m in scope.media_types])
    if WORLD in scope.territories:
        where = gettext("Only in %(media)s, distributed worldwide.") % {"media": media}
    else:
        where = gettext("Only in %(media)s, distributed in these territories only: %(territories)s.") % {
            "media": media,
            "territories": territories_in_words(scope.territories),
        }
    lines = [
        (
            gettext("The owner's likeness may be used only in %(works)s.")
            if to_studio
            else gettext("Your likeness may be used only in %(works)s.")
        )
        % {"works": titles},
        gettext("Only for %(purposes)s.") % {"purposes": _and([_use(p) for p in scope.purposes])},
        where,
        gettext("From %(start)s until %(end)s (UTC).")
        % {"start": date_in_words(scope.valid_from), "end": date_in_words(scope.valid_until)},
        ngettext("At most %(n)s render.", "At most %(n)s renders.", scope.max_renders) % {"n": scope.max_renders},
    ]
    if scope.max_output_seconds is not None:
        n = scope.max_output_seconds
        lines.append(
            ngettext("Each output at most %(n)s second long.", "Each output at most %(n)s seconds long.", n) % {"n": n}
        )
    if scope.prohibited_uses:
        lines.append(gettext("Never for %(uses)s.") % {"uses": _or([_use(u) for u in scope.prohibited_uses])})
    lines.append(gettext("Every output carries the visible label “%(label)s”.") % {"label": scope.label_text})
    if scope.attribution:
        lines.append(gettext("Credit: “%(attribution)s”.") % {"attribution": scope.attribution})
    if scope.fee_per_render is not None:
        fee = scope.fee_per_render
        lines.append(
            gettext("The studio pays %(amount)s %(currency)s per render.")
            % {"amount": fee.amount, "currency": fee.currency}
        )
    lines.append(
        gettext("The owner may revoke this licence at any time; renders not yet started are then refused.")
        if to_studio
        else gettext("You may revoke this licence at any time; renders not yet started are then refused.")
    )
    lines.append(gettext("Anything not listed here is not permitted."))
    return lines
