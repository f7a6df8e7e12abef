"""Unmarked media is reported as unmarked: no false mark over a corpus of more than 200 images.

The corpus is every scikit-image photo plus synthetic scenes, each also cropped, resized, noised,
flipped, rotated and JPEG-compressed, at small sizes (the false-positive argument does not depend on size).
A false mark needs a 24-bit CRC to pass by chance and a sync peak to stand out, so a single one here
would mean the decision rule is broken. Every decode also searches rotation and scale (a few
geometries each), so this corpus checks the search's candidates too; the bench runs 1,000.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from render import watermark as wm
from tools.watermark_bench import fit, jpeg, photos, rotate, texture

KEY = b"test-watermark-key"


def _variants(image: np.ndarray, rng: np.random.Generator) -> Iterator[np.ndarray]:
    h, w = image.shape[:2]
    yield image
    yield image[h // 7 : h - h // 9, w // 8 : w - w // 10]
    yield np.asarray(Image.fromarray(image).resize((max(64, w * 2 // 3), max(64, h * 2 // 3))))
    yield np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)
    yield image[:, ::-1].copy()
    yield image[::-1].copy()
    yield jpeg(image, quality=60)
    yield rotate(image, float(rng.uniform(-5, 5)))  # the geometry search runs on every image anyway


@pytest.fixture(scope="module")
def corpus() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    sources = [fit(img, height=240, width=320) if img.shape[0] > 400 else img for img in photos().values()]
    sources += [texture(seed=seed, height=240, width=320) for seed in range(20)]
    sources.append(np.full((200, 300, 3), 128, dtype=np.uint8))  # a flat grey frame
    return [variant for image in sources for variant in _variants(image, rng)]


def test_the_corpus_is_large_enough(corpus):
    assert len(corpus) >= 200


def test_no_unmarked_image_is_reported_as_marked(corpus):
    marker = wm.watermarker_for(KEY)
    results = [marker.decode(image) for image in corpus]
    assert [r for r in results if r.found] == []
    # The sync peak on unmarked media stays well under the decision threshold.
    assert max(r.score for r in results) < wm.MIN_SCORE + 2
