"""Which font draws a label: one that really has a glyph for every character of it.

A label in the wrong font does not fail loudly by itself: FreeType draws an empty box for every
missing glyph, and an "AI-generated" notice in boxes discloses nothing. So the font is chosen by
reading each candidate's character map (fontTools) and a label no candidate covers is refused
with `label_font_missing` instead of being drawn. Candidates: LABEL_FONT_FILE if set, then common
system fonts (Noto CJK, WenQuanYi Micro Hei, DejaVu Sans); Pillow's built-in font covers Latin text
when no file does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTCollection, TTFont

from config.errors import Invalid

SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


class LabelFontMissing(Invalid):
    code = "label_font_missing"


@lru_cache(maxsize=16)
def _codepoints(path: str) -> frozenset[int]:
    points: set[int] = set()
    if path.lower().endswith((".ttc", ".otc")):
        fonts = list(TTCollection(path, lazy=True).fonts)
    else:
        fonts = [TTFont(path, lazy=True)]
    for font in fonts[:1]:  # the collection's first face is the one Pillow opens by default
        cmap = font.getBestCmap() or {}
        points.update(cmap)
    return frozenset(points)


def candidates() -> list[str]:
    configured = getattr(settings, "LABEL_FONT_FILE", None)
    if configured:
        return [str(configured)]
    return [path for path in SYSTEM_FONTS if Path(path).exists()]


def font_file_for(text: str) -> str | None:
    """A font file with a glyph for every character of `text`; None means Pillow's built-in font.

    Raises LabelFontMissing when the text needs glyphs no available font has.
    """
    needed = {ord(ch) for ch in text if not ch.isspace()}
    for path in candidates():
        if needed <= _codepoints(path):
            return path
    if all(point < 0x250 for point in needed):
        return None  # Latin only: Pillow's bundled font draws it
    missing = "".join(sorted({ch for ch in text if not ch.isspace() and ord(ch) >= 0x250}))[:20]
    raise LabelFontMissing(
        f"no configured font can draw the label text {text!r} (missing glyphs: {missing}); "
        "set LABEL_FONT_FILE to a font that covers it (e.g. Noto Sans CJK)",
        detail={"label_text": text},
    )
