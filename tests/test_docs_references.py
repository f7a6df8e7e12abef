"""The files and folders README.md and docs/*.md name in backticks exist in the repository.

A path is a backticked token with a `/` (e.g. `render/job_states.py`, `deploy/k8s/`), or a bare file
name with an extension or a bare folder (`crypto.py`, `engines/`: found anywhere in the tree). URLs,
commands, placeholders and run-time paths (under `var/`, the demo's output) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_TIME = ("var/", "demo-output", "./demo-output")
FILE_NAME = re.compile(r"^[\w.-]+\.(py|md|toml|yaml|yml|json|txt|sh|example)$")
PATH = re.compile(r"^[\w.-]+(/[\w.*-]+)*/?$")


def named_paths(text: str) -> list[str]:
    names = []
    for token in re.findall(r"`([^`\n]+)`", text):
        if token.startswith(RUN_TIME) or token.startswith(("/", "http", "*", "...")) or token.split("/")[0].isupper():
            continue  # run-time paths, URLs, globs, elided URLs and placeholders (`DIR/...`)
        if ("/" in token and PATH.match(token)) or FILE_NAME.match(token):
            names.append(token)
    return names


def missing_paths(root: Path, pages: list[Path]) -> list[str]:
    every_name = {path.name for path in root.rglob("*") if ".venv" not in path.parts and ".git" not in path.parts}
    missing = []
    for page in pages:
        for name in named_paths(page.read_text()):
            bare = name.rstrip("/")  # `engines/` in a table of likeness/: a folder named anywhere
            found = (root / name).exists() if "/" in bare else bare in every_name
            if not found:
                missing.append(f"{page.relative_to(root)}: {name}")
    return missing


def test_every_path_the_docs_name_exists() -> None:
    assert missing_paths(ROOT, PAGES) == []


def test_the_check_finds_a_path_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "job_states.py").write_text("")
    page = tmp_path / "README.md"
    page.write_text("See `render/job_states.py`, `render/gone.py`, `nowhere.py`, `/api/v1/` and `var/media/`.")
    assert missing_paths(tmp_path, [page]) == ["README.md: render/gone.py", "README.md: nowhere.py"]


def test_no_page_points_outside_the_repository() -> None:
    for page in PAGES:
        assert "../shared" not in page.read_text(), page
