"""Every stable error code a service can raise has a sentence for pages (web/refusals.py), so no
refusal reaches a person as the service's English message; and every field a plain
"validation_failed" can name has one too.

The codes are every app's registered codes (config.errors.registered_codes: each app's enumeration,
which tests/test_error_code_registry.py proves every raise site uses), the photo check's reasons and
the `likeness_<status>` family, plus any `code=` string literal left in the apps' modules. A new code
without a sentence fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

from config.errors import Conflict, ErrorCode, Invalid, registered_codes
from licensing.refusals import RefusalReason
from likeness.models import LikenessStatus
from likeness.photos import REASONS
from web.explanations import EXPLANATIONS
from web.refusals import FIELD_SENTENCES, SENTENCES, refusal_sentence, refused_field
from web.templatetags.web import error_sentence

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "accounts", "audit", "likeness", "licensing", "render")


def _nodes() -> list[ast.AST]:
    nodes: list[ast.AST] = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                nodes += list(ast.walk(ast.parse(path.read_text())))
    return nodes


def _calls() -> list[ast.Call]:
    return [node for node in _nodes() if isinstance(node, ast.Call)]


def _field_parameters() -> dict[str, tuple[int, str]]:
    """Helpers that take the field's name as a parameter (`field` or `field_name`): name -> (position, parameter)."""
    found: dict[str, tuple[int, str]] = {}
    for node in _nodes():
        if isinstance(node, ast.FunctionDef):
            names = [arg.arg for arg in node.args.args]
            for parameter in ("field", "field_name"):
                if parameter in names:
                    found[node.name] = (names.index(parameter), parameter)
    return found


def _raised_codes() -> set[str]:
    codes = {str(code) for code in ErrorCode} | set(REASONS) | {str(reason) for reason in RefusalReason}
    codes |= {code for app_codes in registered_codes().values() for code in app_codes}
    codes |= {f"likeness_{status}" for status in LikenessStatus if status != LikenessStatus.ENROLLED}
    for call in _calls():
        for keyword in call.keywords:
            if (
                keyword.arg == "code"
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, str)
            ):
                codes.add(keyword.value.value)
    return codes


def _named_fields() -> set[str]:
    """Fields named by `detail={"field": "..."}`, by ScopeError("field", ...) and by the helpers that
    pass a field's name on (their callers' arguments and their defaults)."""
    fields: set[str] = set()
    helpers = _field_parameters()
    for node in _nodes():
        if isinstance(node, ast.FunctionDef) and node.name in helpers:
            fields |= {d.value for d in node.args.defaults if isinstance(d, ast.Constant) and isinstance(d.value, str)}
    for call in _calls():
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name in helpers:
            position, parameter = helpers[name]
            given = [k.value for k in call.keywords if k.arg == parameter]
            given += call.args[position : position + 1]
            fields |= {g.value for g in given if isinstance(g, ast.Constant) and isinstance(g.value, str)}
        for keyword in call.keywords:
            if keyword.arg == "detail" and isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "field" and isinstance(value, ast.Constant):
                        fields.add(str(value.value))
        if isinstance(call.func, ast.Name) and call.func.id == "ScopeError" and isinstance(call.args[0], ast.Constant):
            fields.add(str(call.args[0].value))
    return fields


def test_the_collection_finds_the_codes_the_services_raise() -> None:
    codes = _raised_codes()
    assert {"work_file_taken", "likeness_not_licensable", "photo_count", "media_too_large", "no_face"} <= codes
    assert {"territories", "valid_until", "max_renders", "purposes", "media_types", "display_name"} <= _named_fields()


def test_every_code_the_services_raise_has_a_sentence() -> None:
    missing = sorted(code for code in _raised_codes() if code not in SENTENCES and code not in EXPLANATIONS)
    assert missing == []


def test_every_field_a_validation_error_names_has_a_sentence() -> None:
    assert sorted(_named_fields() - set(FIELD_SENTENCES)) == []


@pytest.mark.parametrize("code", sorted(_raised_codes()))
def test_the_page_never_shows_the_services_message(code: str) -> None:
    refusal = Conflict("the service's own English words", code=code)
    with translation.override("en"):
        english = refusal_sentence(refusal)
    with translation.override("zh-hans"):
        chinese = refusal_sentence(refusal)
    assert refusal.message not in (english, chinese)
    assert chinese != english


def test_a_validation_error_is_said_for_its_field_and_placed_on_it() -> None:
    refusal = Invalid("valid_until must be after valid_from", detail={"field": "valid_until"})
    with translation.override("zh-hans"):
        assert refusal_sentence(refusal) == "结束日期必须晚于开始日期。"
    assert refused_field(refusal) == "valid_until"
    assert refused_field(Invalid("x", detail={"field": "studio_id"}), {"studio_id": "studio"}) == "studio"
    assert refused_field(Conflict("x", code="work_file_taken")) == "file"
    assert refused_field(Conflict("x", code="license_not_pending")) is None


def test_a_failed_jobs_stored_error_code_reads_as_a_sentence() -> None:
    with translation.override("zh-hans"):
        assert error_sentence("worker_lost", "the worker died during attempt 3") == "渲染进程在此任务执行期间停止了。"
    assert error_sentence("", "gave up after 5 attempts") == "gave up after 5 attempts"
