"""Every output frame carries a visible label, legible, clear of the face, in the text's own script."""

from __future__ import annotations

import numpy as np
import pytest

from render.label_fonts import LabelFontMissing, font_file_for
from render.provenance import DEFAULT_LABEL, draw_label

CHINESE = "人工智能生成的肖像 - 已获授权"


def band_text_pixels(frame: np.ndarray, rows: slice) -> int:
    return int((frame[rows] > 235).all(axis=2).sum())


def plain_frame(height: int = 360, width: int = 640) -> np.ndarray:
    return np.full((height, width, 3), 90, np.uint8)


def test_the_label_sits_at_the_bottom_when_no_face_is_there():
    frame = draw_label(plain_frame(), DEFAULT_LABEL, faces=[(250, 40, 390, 200)])
    assert band_text_pixels(frame, slice(330, 360)) > 200
    assert band_text_pixels(frame, slice(0, 40)) == 0
    assert frame[355, 2].tolist() != [90, 90, 90], "the band is darkened for contrast"


def test_the_label_moves_to_the_top_when_a_face_reaches_the_bottom():
    frame = draw_label(plain_frame(), DEFAULT_LABEL, faces=[(250, 200, 390, 355)])
    assert band_text_pixels(frame, slice(0, 30)) > 200
    assert band_text_pixels(frame, slice(330, 360)) == 0


def test_the_label_scales_with_the_output():
    small = draw_label(plain_frame(180, 320), DEFAULT_LABEL)
    large = draw_label(plain_frame(1080, 1920), DEFAULT_LABEL)
    assert band_text_pixels(large, slice(980, 1080)) > 6 * band_text_pixels(small, slice(160, 180))


def test_chinese_text_is_drawn_with_a_font_that_has_its_glyphs():
    path = font_file_for(CHINESE)
    assert path is not None and ("wqy" in path.lower() or "cjk" in path.lower())
    frame = draw_label(plain_frame(), CHINESE, font_file=path)
    assert band_text_pixels(frame, slice(320, 360)) > 300


def test_a_font_without_the_glyphs_is_refused_rather_than_drawing_boxes(settings):
    settings.LABEL_FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    with pytest.raises(LabelFontMissing) as refused:
        font_file_for(CHINESE)
    assert refused.value.code == "label_font_missing"
    assert font_file_for(DEFAULT_LABEL) == settings.LABEL_FONT_FILE
