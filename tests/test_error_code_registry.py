"""Every code a product module refuses with is registered, and the published page of codes is current.

The walk is static (like a linter): each `code=` / `*_code=` keyword in a call in the product packages
is either a string literal, a member of an enumeration (`RenderCode.JOB_FINISHED`) or a module-level
name bound to one (`TRANSITION_REFUSED`); each must be a code some app registered with
config.errors.register_codes. Computed codes (a variable passed along) are checked where they are made.
"""

from __future__ import annotations

import ast
import io
from pathlib import Path

from django.core.management import call_command
from django.db import models

from config.errors import registered_codes
from likeness.photos import REASONS

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("config", "audit", "accounts", "likeness", "licensing", "render", "web")


def _every_registered_code() -> set[str]:
    return {code for codes in registered_codes().values() for code in codes}


def _enumerations() -> dict[str, list[type[models.TextChoices]]]:
    found: dict[str, list[type[models.TextChoices]]] = {}
    pending: list[type[models.TextChoices]] = [models.TextChoices]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            found.setdefault(sub.__name__, []).append(sub)
            pending.append(sub)
    return found


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
    return constants


def _resolve(value: ast.expr, constants: dict[str, ast.expr], enums: dict[str, list[type[models.TextChoices]]]):
    """The code a keyword's value names: a str, None when it is computed at run time, or an error string."""
    if isinstance(value, ast.Name) and value.id in constants:
        value = constants[value.id]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.JoinedStr):
        return "<an f-string: use an enumeration member>"
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id in enums:
        members = [getattr(cls, value.attr) for cls in enums[value.value.id] if hasattr(cls, value.attr)]
        return str(members[0].value) if members else f"<{value.value.id}.{value.attr}: no such member>"
    return None


def unregistered_codes(root: Path, packages: tuple[str, ...]) -> list[str]:
    registered = _every_registered_code()
    enums = _enumerations()
    problems = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            constants = _module_constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if keyword.arg is None or not (keyword.arg == "code" or keyword.arg.endswith("_code")):
                        continue
                    code = _resolve(keyword.value, constants, enums)
                    if code is not None and code not in registered:
                        problems.append(f"{path.relative_to(root)}:{node.lineno}: {code}")
    return problems


def test_every_code_a_product_module_raises_is_registered() -> None:
    assert unregistered_codes(ROOT, PRODUCT_PACKAGES) == []


def test_the_walk_catches_a_code_that_no_app_registered(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue"
    rogue.mkdir()
    (rogue / "services.py").write_text(
        "from config.errors import Conflict, ErrorCode\n"
        "from render.codes import RenderCode\n"
        "LOCAL = 'made_up_constant'\n"
        "def refuse(status):\n"
        "    raise Conflict('no', code='made_up_code')\n"
        "def refuse_too(status):\n"
        "    raise Conflict('no', code=f'likeness_{status}')\n"
        "def fine():\n"
        "    raise Conflict('no', code=RenderCode.JOB_FINISHED)\n"
        "def fine_too():\n"
        "    raise Conflict('no', code=ErrorCode.CONFLICT)\n"
        "def made_up_member():\n"
        "    raise Conflict('no', code=RenderCode.MADE_UP)\n"
        "def constant():\n"
        "    raise Conflict('no', code=LOCAL)\n"
    )
    problems = unregistered_codes(tmp_path, ("rogue",))
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "made_up_code",
        "<an f-string: use an enumeration member>",
        "<RenderCode.MADE_UP: no such member>",
        "made_up_constant",
    ]


def test_every_reason_a_reference_photo_is_refused_for_is_registered() -> None:
    assert set(REASONS) <= _every_registered_code()


def test_the_published_page_of_codes_is_the_registry() -> None:
    out = io.StringIO()
    call_command("codes_doc", stdout=out)
    committed = (ROOT / "docs" / "api-codes.md").read_text()
    assert committed == out.getvalue(), "docs/api-codes.md is stale: python manage.py codes_doc > docs/api-codes.md"
    for codes in registered_codes().values():
        for code in codes:
            assert f"| `{code}` |" in committed
