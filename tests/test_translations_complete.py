"""Nothing a person reads is left in English on a zh-hans page.

Two checks: the catalogue (every msgid of every .po under the apps has a non-empty, non-fuzzy
zh_Hans translation), and, for strings built outside templates, a run under each language (every
model choice label a page shows, every scope sentence, every refusal and explanation sentence, every
status badge renders differently under zh-hans than under en).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from babel.messages.pofile import read_po
from django.db import models
from django.utils import translation

from licensing import models as licensing_models
from licensing.models import LicenseStatus
from licensing.refusals import RefusalReason
from licensing.scope import Scope, Use, build_scope, describe
from likeness import models as likeness_models
from render import models as render_models
from web.explanations import EXPLANATIONS
from web.refusals import FIELD_SENTENCES, SENTENCES
from web.templatetags.web import licence_status

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
CATALOGUES = sorted(p for p in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/*.po"))


def _both(render: Callable[..., T], *args: Any) -> tuple[T, T]:
    with translation.override("en"):
        english = render(*args)
    with translation.override("zh-hans"):
        chinese = render(*args)
    return english, chinese


def test_there_is_a_catalogue() -> None:
    assert ROOT / "web/locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_msgid_has_a_chinese_translation(path: Path) -> None:
    with path.open("rb") as po:
        catalogue = read_po(po)
    assert len(catalogue) > 100
    untranslated = [
        m.id for m in catalogue if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def _choices_shown_on_pages() -> list[type[models.TextChoices]]:
    found: list[type[models.TextChoices]] = [Use, RefusalReason]
    for module in (likeness_models, licensing_models, render_models):
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, models.TextChoices) and value.__module__ == module.__name__
        ]
    return found


def test_every_choice_label_is_translated() -> None:
    kinds = _choices_shown_on_pages()
    assert {"LicenseStatus", "JobStatus", "LikenessStatus", "WorkKind", "MediaType"} <= {k.__name__ for k in kinds}
    same = []
    for kind in kinds:
        for choice in kind:
            english, chinese = _both(str, choice.label)
            if english == chinese:
                same.append(f"{kind.__name__}.{choice.name}: {english}")
    assert same == []


def test_every_status_badge_is_translated() -> None:
    for status in LicenseStatus:
        english, chinese = _both(licence_status, status.value)
        assert english != chinese, status


def test_every_scope_sentence_is_translated() -> None:
    def scope(**terms: Any) -> Scope:
        base = {
            "works": [{"id": "a", "title": "Night Train"}, {"id": "b", "title": "Day Train"}],
            "purposes": [u.value for u in Use if u.value not in {"sexual_content", "political_campaigning"}],
            "media_types": ["image", "video"],
            "territories": ["FR", "DE", "CN"],
            "valid_from": datetime(2026, 1, 2, tzinfo=UTC),
            "valid_until": datetime(2027, 1, 2, tzinfo=UTC),
            "max_renders": 5,
            "max_output_seconds": 30,
            "attribution": "Ada",
            "fee_per_render": {"amount": "10", "currency": "EUR"},
        }
        return build_scope(**{**base, **terms})

    variants = [
        scope(),
        scope(territories=["WORLD"], media_types=["image"], max_renders=1, max_output_seconds=1),
        scope(purposes=["film"], prohibited_uses=[], attribution=None, fee_per_render=None),
    ]
    for variant in variants:
        english, chinese = _both(describe, variant)
        assert len(english) == len(chinese)
        assert [pair for pair in zip(english, chinese, strict=True) if pair[0] == pair[1]] == []


def test_every_refusal_and_explanation_sentence_is_translated() -> None:
    for table in (SENTENCES, FIELD_SENTENCES, EXPLANATIONS):
        for code, sentence in table.items():
            english, chinese = _both(str, sentence)
            assert english != chinese, code
