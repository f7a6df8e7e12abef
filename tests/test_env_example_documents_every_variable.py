"""deploy/env.example documents every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_variable_read_by_settings_is_documented():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|choice|optional)\(\s*"([A-Z0-9_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M))
    assert len(read) >= 15
    assert read - documented == set()
