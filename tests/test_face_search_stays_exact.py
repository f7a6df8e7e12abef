"""The platform's face-search index (`bounded`) reports exactly what the exact scan reports.

It scans a small sketch that lower-bounds every distance, then re-checks candidates against the
stored float32 vectors (likeness/vector_index.py). These tests compare it with the exact scan on
random data, including data where the sketch alone ranks faces wrongly (so dropping the re-check
would fail them), and check that the impostor search finds every face within the threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from likeness.search import index_kind, similar_likenesses
from likeness.vector_index import BoundedIndex, ExactIndex
from tests.test_impostor_and_duplicate_check import store_synthetic_embeddings


def unit(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def both(vectors: np.ndarray, *, rank: int) -> tuple[ExactIndex, BoundedIndex]:
    exact, bounded = ExactIndex(vectors.shape[1]), BoundedIndex(vectors.shape[1], rank=rank, min_candidates=8)
    ids = np.arange(1000, 1000 + len(vectors), dtype=np.int64)
    half = len(vectors) // 2  # two batches: the second is projected on the first batch's basis
    for index in (exact, bounded):
        index.add(ids[:half], vectors[:half])
        index.add(ids[half:], vectors[half:])
    return exact, bounded


def test_nearest_faces_equal_the_exact_scan_even_where_the_sketch_alone_ranks_them_wrongly():
    rng = np.random.default_rng(11)
    stored = unit(rng, 3000, 64)
    exact, bounded = both(stored, rank=8)
    sketch_wrong = 0
    for pick in rng.integers(0, len(stored), 60):
        for scale in (0.02, 0.3):  # a near-duplicate, and a face merely close to a stored one
            query = (stored[pick] + rng.normal(scale=scale, size=64)).astype(np.float32)
            truth = exact.search(query, 5)
            found = bounded.search(query, 5)
            assert [i for i, _ in found] == [i for i, _ in truth]
            assert [d for _, d in found] == pytest.approx([d for _, d in truth], abs=1e-5)
            assert [i for i, _ in bounded.search(query, 1)] == [truth[0][0]]  # the single-nearest path too
            expected = float(np.linalg.norm(stored[truth[0][0] - 1000] - query))
            assert found[0][1] == pytest.approx(expected, abs=1e-5)  # a true distance, not a bound
            sketch_wrong += int(np.argmin(bounded.lower_bounds(query))) != truth[0][0] - 1000
    assert sketch_wrong > 0  # without the exact re-check these queries would report the wrong face


def test_every_face_within_the_radius_is_found_and_nothing_beyond_it():
    rng = np.random.default_rng(12)
    stored = unit(rng, 2000, 128)
    query = unit(rng, 1, 128)[0]
    # Faces placed just inside and just outside the radius around the query.
    directions = unit(rng, 40, 128)
    for n, radius_share in enumerate(np.linspace(0.98, 1.02, 40)):
        stored[n] = query + 0.5 * radius_share * directions[n]
    exact, bounded = both(stored, rank=32)
    for radius in (0.1, 0.5, 0.9, 1.3):
        truth = exact.within(query, radius)
        found = bounded.within(query, radius)
        assert [i for i, _ in found] == [i for i, _ in truth]
        assert all(d <= radius for _, d in found)
        if radius == 0.5:
            assert len(found) > 0 and bounded.rechecked < len(stored) // 4  # the prefilter pruned


@pytest.mark.django_db
def test_the_impostor_search_finds_every_likeness_within_the_threshold_not_only_the_nearest_ten():
    rng = np.random.default_rng(13)
    centre = unit(rng, 1, 32)[0]
    near = centre + 0.05 * unit(rng, 14, 32)  # 14 faces within 0.1 of the probe
    stored = np.concatenate([near / np.linalg.norm(near, axis=1, keepdims=True), unit(rng, 200, 32)])
    ids = store_synthetic_embeddings(stored.astype(np.float32))
    for kind in ("exact", "bounded"):
        found = similar_likenesses(engine="synthetic", dim=32, vectors=[centre], within=0.1, kind=kind)
        assert sorted(m.likeness_id for m in found) == sorted(ids[:14])


def test_auto_means_the_bounded_index(settings):
    settings.FACE_SEARCH_INDEX = "auto"
    assert index_kind() == "bounded"
