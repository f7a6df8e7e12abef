"""The platform's face index proves its answers from 4-bit codes (likeness/vector_index.py).

The story: a stranger enrols and must match nobody; an impostor re-enrols a face that is already
here and must be found. `quantised` answers both from one scan of 4-bit codes whose bound is never
above a true distance (checked on vectors built to break it: clipped outliers, zero rows, odd
dimensions, wild scales), re-checks against the float32 vectors, and so reports exactly what the
exact scan reports, while re-checking almost nothing: a bound that proved nothing (always zero)
would pass the equality checks but fail the re-check counts.
"""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from likeness import quantised_scan
from likeness.search import index_kind
from likeness.vector_index import ExactIndex, QuantisedIndex
from tests.test_face_search_stays_exact import unit


def exact_and_quantised(vectors: np.ndarray, batches: int = 1) -> tuple[ExactIndex, QuantisedIndex]:
    """Both indexes over the same vectors, added in `batches` (the quantised one starts small and grows)."""
    exact, quantised = ExactIndex(vectors.shape[1]), QuantisedIndex(vectors.shape[1], capacity=16)
    ids = np.arange(1000, 1000 + len(vectors), dtype=np.int64)
    for chunk_ids, chunk in zip(np.array_split(ids, batches), np.array_split(vectors, batches), strict=True):
        exact.add(chunk_ids, chunk)
        quantised.add(chunk_ids, chunk)
    return exact, quantised


def true_squared_distances(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    return ((vectors.astype(np.float64) - query.astype(np.float64)) ** 2).sum(axis=1)


def hostile_vectors(rng: np.random.Generator, dim: int) -> np.ndarray:
    """Rows built to break a careless bound: zeros, one-hot, a huge outlier, wild scales, repeats."""
    rows = [np.zeros(dim), np.eye(dim)[0], np.full(dim, 3.0), -np.eye(dim)[dim - 1] * 1e4]
    outlier = rng.standard_normal(dim) * 0.01
    outlier[dim // 2] = 50.0  # clipped by the Gaussian step: the residual must carry it
    rows.append(outlier)
    rows += list(rng.standard_normal((20, dim)) * rng.choice([1e-4, 1.0, 1e3], size=(20, 1)))
    rows += list(unit(rng, 40, dim))
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("dim", [1, 3, 127, 512])
def test_the_bound_never_exceeds_a_true_distance_whatever_the_vectors_hold(dim):
    rng = np.random.default_rng(dim)
    stored = hostile_vectors(rng, dim)
    _, quantised = exact_and_quantised(stored, batches=3)
    queries = [np.zeros(dim, np.float32), stored[4], stored[-1], *hostile_vectors(rng, dim)[::7]]
    for query in queries:
        truth = true_squared_distances(stored, query)
        bound = quantised.lower_bounds(query)
        assert np.all(bound <= truth), (dim, float(np.max(bound - truth)))


@settings(max_examples=60, deadline=None)
@given(
    stored=arrays(np.float32, (12, 9), elements=st.floats(-1e3, 1e3, width=32)),
    query=arrays(np.float32, (9,), elements=st.floats(-1e3, 1e3, width=32)),
)
def test_the_bound_holds_for_any_finite_vectors(stored, query):
    _, quantised = exact_and_quantised(stored)
    assert np.all(quantised.lower_bounds(query) <= true_squared_distances(stored, query))


def test_a_stranger_matches_nobody_and_the_proof_rechecks_no_face():
    rng = np.random.default_rng(21)
    stored = unit(rng, 40_000, 512)  # past INLINE_ROWS: the scan is split over the pool
    exact, quantised = exact_and_quantised(stored, batches=2)
    for stranger in unit(rng, 10, 512):
        assert quantised.within(stranger, 1.1, prove=True) == exact.within(stranger, 1.1) == []
        assert quantised.rechecked == 0  # the codes alone proved every face farther than 1.1
        assert quantised.certified


def test_every_face_within_the_radius_is_found_and_nothing_beyond_it():
    rng = np.random.default_rng(22)
    stored = unit(rng, 3000, 128)
    query = unit(rng, 1, 128)[0]
    directions = unit(rng, 40, 128)
    for n, radius_share in enumerate(np.linspace(0.98, 1.02, 40)):  # just inside and just outside 0.5
        stored[n] = query + 0.5 * radius_share * directions[n]
    exact, quantised = exact_and_quantised(stored, batches=4)
    for radius in (0.1, 0.5, 0.9, 1.3):
        truth, found = exact.within(query, radius), quantised.within(query, radius)
        assert [i for i, _ in found] == [i for i, _ in truth]
        assert [d for _, d in found] == pytest.approx([d for _, d in truth], abs=1e-5)
        assert all(d <= radius for _, d in found)
    quantised.within(query, 0.5)
    assert 20 <= quantised.rechecked < 200  # the 20 inside, a few of the 20 just outside, nobody else


def test_an_impostors_face_is_found_and_proven_nearest_after_one_recheck():
    rng = np.random.default_rng(23)
    stored = unit(rng, 20_000, 512)
    exact, quantised = exact_and_quantised(stored, batches=3)
    for pick in rng.integers(0, len(stored), 30):
        impostor = stored[pick] + rng.normal(scale=0.05 / np.sqrt(512), size=512).astype(np.float32)
        found = quantised.search(impostor, 1)
        assert [i for i, _ in found] == [1000 + pick] == [i for i, _ in exact.search(impostor, 1)]
        assert found[0][1] == pytest.approx(float(np.linalg.norm(stored[pick] - impostor)), abs=1e-6)
        assert quantised.rechecked == 1


def test_the_k_nearest_equal_the_exact_scan_even_where_the_codes_alone_rank_them_wrongly():
    rng = np.random.default_rng(24)
    stored = unit(rng, 3000, 64)
    exact, quantised = exact_and_quantised(stored, batches=2)
    codes_wrong = 0
    for pick in rng.integers(0, len(stored), 40):
        for scale in (0.02, 0.3, 1.0):  # a near-duplicate, a face merely close, a stranger
            query = (stored[pick] + rng.normal(scale=scale, size=64)).astype(np.float32)
            truth, found = exact.search(query, 5), quantised.search(query, 5)
            assert [i for i, _ in found] == [i for i, _ in truth]
            assert [d for _, d in found] == pytest.approx([d for _, d in truth], abs=1e-5)
            codes_wrong += int(np.argmin(quantised.lower_bounds(query))) != truth[0][0] - 1000
    assert codes_wrong > 0  # without the exact re-check these queries would name the wrong face


def test_concurrent_searches_from_a_threaded_server_each_get_their_own_answer():
    rng = np.random.default_rng(25)
    stored = unit(rng, 40_000, 128)
    exact, quantised = exact_and_quantised(stored)
    queries = stored[rng.integers(0, len(stored), 16)] + np.float32(0.01)
    expected = [exact.search(query, 3) for query in queries]
    answers: dict[int, list[list[tuple[int, float]]]] = {}

    def ask(worker: int) -> None:
        answers[worker] = [quantised.search(query, 3) for query in queries]

    threads = [threading.Thread(target=ask, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 4
    for answer in answers.values():
        assert [[i for i, _ in found] for found in answer] == [[i for i, _ in truth] for truth in expected]


def test_a_search_beside_an_add_never_reads_a_half_written_row():
    # likeness/search.py hands the index out of its lock, so a new enrolment's vectors may be
    # added while another request searches: every face stored before must still be found.
    rng = np.random.default_rng(29)
    first = unit(rng, 2000, 64)
    _, quantised = exact_and_quantised(first)
    quantised.add(np.arange(10**6, 10**6 + 2000, dtype=np.int64), unit(rng, 2000, 64))  # warm the kernels
    probes = first[rng.integers(0, len(first), 50)]
    adding = threading.Event()
    missed: list[int] = []

    def add_more() -> None:
        adding.set()
        for batch in range(60):  # grows through several reallocations of every array
            start = 2 * 10**6 + batch * 1000
            quantised.add(np.arange(start, start + 1000, dtype=np.int64), unit(rng, 1000, 64))

    adder = threading.Thread(target=add_more)
    adder.start()
    adding.wait()
    while adder.is_alive():
        for probe in probes:
            found = quantised.within(probe, 1e-3)
            if not found or found[0][1] > 1e-6:
                missed.append(len(quantised))
    adder.join()
    assert missed == []
    assert len(quantised) == 4000 + 60_000


def _search_in_child(index: QuantisedIndex, query: np.ndarray, results: multiprocessing.Queue) -> None:
    results.put([i for i, _ in index.search(query, 2)])


@pytest.mark.skipif(quantised_scan.workers() < 2, reason="the pool is only used with two cores or more")
def test_a_forked_worker_process_searches_with_a_pool_of_its_own():
    # Celery's prefork workers and gunicorn fork after import; a pool's threads do not survive a fork.
    rng = np.random.default_rng(26)
    stored = unit(rng, 40_000, 64)
    _, quantised = exact_and_quantised(stored)
    query = stored[7] + np.float32(0.001)
    in_parent = [i for i, _ in quantised.search(query, 2)]  # the parent's pool is started
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_search_in_child, args=(quantised, query, results))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
    assert results.get(timeout=5) == in_parent


def test_both_product_loops_give_numpys_exact_integers_at_the_extremes():
    # The VNNI loop (where the CPU has it) and the numba loop must agree to the last integer:
    # the bound's proof rests on k.c being exact. Extremes: every nibble 0 or 15, query bytes +-127.
    rng = np.random.default_rng(27)
    kernels = quantised_scan._compile()
    width = quantised_scan.code_bytes(512)
    codes = rng.integers(0, 256, size=(3000, width), dtype=np.uint8)
    codes[:10] = 0xFF
    codes[10:20] = 0x00
    low, high = (rng.integers(-127, 128, size=width).astype(np.int8) for _ in range(2))
    low[:64], high[:64] = 127, -127
    expected = (codes & 15).astype(np.int64) @ low.astype(np.int64) + (codes >> 4).astype(np.int64) @ high.astype(
        np.int64
    )
    loops = {"numba": kernels.products}
    vnni = quantised_scan._vnni_products()
    if vnni is not None:
        loops["avx512-vnni"] = vnni
    assert kernels.path == ("avx512-vnni" if vnni is not None else "numba")
    for name, products in loops.items():
        totals = np.zeros(len(codes), dtype=np.int32)
        products(codes, low, high, 5, len(codes), totals)
        assert np.array_equal(totals[5:], expected[5:]), name
        assert not totals[:5].any(), name  # rows outside [start, stop) are left alone


def test_a_face_vector_with_a_nan_is_refused_rather_than_matching_nobody():
    rng = np.random.default_rng(28)
    stored = unit(rng, 100, 16)
    _, quantised = exact_and_quantised(stored)
    broken = stored[3].copy()
    broken[5] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantised.within(broken, 0.4, prove=True)
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantised.search(broken, 1)
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantised.add(np.array([7], dtype=np.int64), np.where(np.arange(16) == 0, np.inf, 0.1).astype(np.float32))
    assert len(quantised) == 100  # nothing half-added


def test_a_kubernetes_cpu_limit_caps_the_scan_threads(tmp_path):
    limits = tmp_path / "cpu.max"
    limits.write_text("150000 100000\n")  # a limit of 1.5 CPUs: two threads, not the host's cores
    assert quantised_scan._cgroup_cpu_quota(str(limits), v1_folder=str(tmp_path)) == 2
    limits.write_text("max 100000\n")
    assert quantised_scan._cgroup_cpu_quota(str(limits), v1_folder=str(tmp_path)) is None
    absent = str(tmp_path / "absent")
    assert quantised_scan._cgroup_cpu_quota(absent, v1_folder=absent) is None
    v1 = tmp_path / "cpu"
    v1.mkdir()
    (v1 / "cpu.cfs_quota_us").write_text("300000\n")  # cgroup v1: a limit of 3 CPUs
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    assert quantised_scan._cgroup_cpu_quota(absent, v1_folder=str(v1)) == 3
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert quantised_scan._cgroup_cpu_quota(absent, v1_folder=str(v1)) is None


def test_auto_means_the_quantised_index(settings):
    settings.FACE_SEARCH_INDEX = "auto"
    assert index_kind() == "quantised"
