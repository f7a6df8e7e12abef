"""The face-search indexes report exactly what the exact scan reports (likeness/vector_index.py).

`bounded` scans a small sketch that lower-bounds every distance, then re-checks candidates against
the stored float32 vectors; `ivf` (the platform's index) scans the inverted lists nearest the query,
re-ranks exactly, and proves its answer when its bounds rule out every list it left unscanned.
These tests compare both with the exact scan on random data, including data where the sketch alone
ranks faces wrongly (so dropping the re-check would fail them), check that a proven `ivf` answer is
always the exact one and an unproven one says so, and that the impostor search finds every face
within the threshold whichever index answers it.
"""

from __future__ import annotations

import numpy as np
import pytest

from likeness.search import similar_likenesses
from likeness.vector_index import BoundedIndex, ExactIndex, IvfIndex
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
    for kind in ("exact", "quantised", "bounded", "ivf"):
        found = similar_likenesses(engine="synthetic", dim=32, vectors=[centre], within=0.1, kind=kind)
        assert sorted(m.likeness_id for m in found) == sorted(ids[:14])


def exact_and_ivf(vectors: np.ndarray, **options: int) -> tuple[ExactIndex, IvfIndex]:
    """Both indexes, filled in four batches: the IVF partition is trained on the third (past
    `min_train`) and the fourth is added to the trained lists."""
    exact, ivf = ExactIndex(vectors.shape[1]), IvfIndex(vectors.shape[1], min_train=3000, **options)
    ids = np.arange(1000, 1000 + len(vectors), dtype=np.int64)
    for begin, end in ((0, 1000), (1000, 2000), (2000, 5000), (5000, len(vectors))):
        exact.add(ids[begin:end], vectors[begin:end])
        ivf.add(ids[begin:end], vectors[begin:end])
    return exact, ivf


def test_the_ivf_index_finds_every_near_duplicates_nearest_face_and_proves_most_of_them():
    rng = np.random.default_rng(14)
    stored = unit(rng, 6000, 64)
    exact, ivf = exact_and_ivf(stored)
    assert ivf.lists > ivf.nprobe  # partitioned: each query scans only some of the lists
    certified = 0
    for pick in rng.integers(0, len(stored), 200):  # the last batch (added after training) included
        query = unit(rng, 1, 64)[0] * 0.05 + stored[pick]
        truth, found = exact.search(query, 1), ivf.search(query, 1)
        assert [i for i, _ in found] == [i for i, _ in truth]  # recall@1 1.0
        assert found[0][1] == pytest.approx(float(np.linalg.norm(stored[truth[0][0] - 1000] - query)), abs=1e-5)
        assert ivf.probed < ivf.lists
        certified += ivf.certified
    assert certified > 100  # the bounds rule out the unscanned lists for most near-duplicates


def test_a_proven_ivf_answer_is_the_exact_one_and_an_unproven_one_says_so():
    rng = np.random.default_rng(15)
    stored = unit(rng, 6000, 32)
    exact, ivf = exact_and_ivf(stored, nprobe=1, max_probe=1)  # scan one list unless asked to prove
    wrong_and_said_so = 0
    for query in unit(rng, 60, 32):  # strangers: their nearest face is anywhere
        truth = exact.search(query, 3)
        found = ivf.search(query, 3)
        if ivf.certified:
            assert found == pytest.approx(truth)
        else:
            wrong_and_said_so += [i for i, _ in found] != [i for i, _ in truth]
        assert [i for i, _ in ivf.search(query, 3, prove=True)] == [i for i, _ in truth] and ivf.certified
        for radius in (0.6, 0.9, 1.2):
            truth_within = exact.within(query, radius)
            found_within = ivf.within(query, radius)
            assert all(d <= radius for _, d in found_within)
            assert {i for i, _ in found_within} <= {i for i, _ in truth_within}  # never a false match
            if ivf.certified:
                assert found_within == pytest.approx(truth_within)
            assert [i for i, _ in ivf.within(query, radius, prove=True)] == [i for i, _ in truth_within]
            assert ivf.certified
    assert wrong_and_said_so > 0  # one list is not enough here: the flag is what told those apart


def test_the_ivf_bounds_never_rule_out_a_list_holding_the_answer():
    # In 4 dimensions the bounds are tight (lists are small cells), so the proof rules out most
    # lists; an overstated bound would rule out a list holding the true nearest face.
    rng = np.random.default_rng(16)
    stored = rng.uniform(-1, 1, size=(6000, 4)).astype(np.float32)
    exact, ivf = exact_and_ivf(stored, nprobe=1, max_probe=6)
    certified = 0
    for query in rng.uniform(-1, 1, size=(300, 4)).astype(np.float32):
        truth = exact.search(query, 2)
        found = ivf.search(query, 2)
        if ivf.certified:
            certified += 1
            assert [i for i, _ in found] == [i for i, _ in truth]
        assert [i for i, _ in ivf.search(query, 2, prove=True)] == [i for i, _ in truth]
        assert ivf.probed < ivf.lists // 2  # the proof scanned only the lists its bounds could not rule out
        assert [i for i, _ in ivf.within(query, 0.1, prove=True)] == [i for i, _ in exact.within(query, 0.1)]
    assert certified > 150
