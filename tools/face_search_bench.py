"""1:N face-search benchmark: the platform's index (`auto`) against the exact scan, at N stored faces.

Stored embeddings are random unit vectors (what matters for search cost is N and the dimension:
128 for dlib, 512 for ArcFace). Two query kinds, each timed per index in the same process, so
the ratios hold on a shared machine:

All indexes are built first, then take turns on every query (medians of interleaved timings).

* `nearest`: a noisy copy of a stored face (a re-enrolment, a duplicate), asked for its nearest
  stored face; recall@1 is the share of answers equal to the exact scan's.
* `stranger`: a fresh random face, asked for every stored face within the match radius (the
  impostor check's question when there is nothing to find); the answer must equal the exact one.

HNSW is measured only with `--with-hnsw` (its build takes minutes at 100k). The index is built in
memory exactly as likeness/search.py builds it; decryption and the database play no part.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from likeness.search import index_kind
from likeness.vector_index import VectorIndex, make_index

STRANGER_RADIUS = {128: 0.4, 512: 1.1}  # the engines' match distances (dlib, ArcFace)


@dataclass
class SearchBenchRow:
    size: int
    dim: int
    build_seconds: dict[str, float]
    nearest_ms: dict[str, float]
    stranger_ms: dict[str, float]
    recall_at_1: dict[str, float]
    stranger_agreement: dict[str, float]
    memory_mib: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        base_near, base_far = self.nearest_ms["exact"], self.stranger_ms["exact"]
        for kind in self.nearest_ms:
            out.append(
                f"face search N={self.size:>7} dim={self.dim} {kind:>7}: nearest median {self.nearest_ms[kind]:.3f} ms"
                f" (exact/{kind} {base_near / self.nearest_ms[kind]:.2f}x, recall@1 {self.recall_at_1[kind]:.3f}),"
                f" stranger-within-threshold median {self.stranger_ms[kind]:.3f} ms"
                f" (exact/{kind} {base_far / self.stranger_ms[kind]:.2f}x,"
                f" same answer {self.stranger_agreement[kind]:.3f}),"
                f" build {self.build_seconds[kind]:.2f} s, memory {self.memory_mib[kind]:.0f} MiB"
            )
        return out


def verdict_lines(rows: list[SearchBenchRow]) -> list[str]:
    """One verdict per dimension at the largest N, for the index the platform uses (FACE_SEARCH_INDEX)."""
    used = index_kind()
    out = []
    for row in rows:
        if row.size < 100_000 or used not in row.nearest_ms:
            continue
        near, far = row.nearest_ms[used], row.stranger_ms[used]
        exact_ok = row.recall_at_1[used] == 1.0 and row.stranger_agreement[used] == 1.0
        verdict = "met" if near < 20 and exact_ok else "NOT met"
        out.append(
            f"target under 20 ms, recall@1 1.0 at N={row.size} (dim {row.dim}), index in use {used!r}: {verdict}"
            f" (nearest {near:.3f} ms, recall@1 {row.recall_at_1[used]:.3f};"
            f" stranger check {far:.3f} ms{'' if far < 20 else ', over 20 ms'})"
        )
    return out


def _unit(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal(size=(rows, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def _memory_mib(index: VectorIndex) -> float:
    arrays = [value for value in vars(index).values() if isinstance(value, np.ndarray)]
    inner = getattr(index, "_exact", None)
    if inner is not None:
        arrays += [value for value in vars(inner).values() if isinstance(value, np.ndarray)]
    if not arrays:  # hnswlib keeps its graph outside numpy
        return float("nan")
    return sum(a.nbytes for a in arrays) / 2**20


def _within_ids(index: VectorIndex, query: np.ndarray, *, radius: float) -> list[int]:
    return [i for i, _ in index.within(query, radius)]


def _nearest_ids(index: VectorIndex, query: np.ndarray) -> list[int]:
    return [i for i, _ in index.search(query, 1)]


def _timed(
    indexes: dict[str, VectorIndex], queries: np.ndarray, ask: Callable[[VectorIndex, np.ndarray], list[int]]
) -> tuple[dict[str, float], dict[str, list[list[int]]]]:
    """Median ms per index; the indexes take turns on each query, so load on a shared machine hits all alike."""
    timings: dict[str, list[float]] = {kind: [] for kind in indexes}
    answers: dict[str, list[list[int]]] = {kind: [] for kind in indexes}
    for index in indexes.values():
        ask(index, queries[0])  # warm up
    for query in queries:
        for kind, index in indexes.items():
            started = time.perf_counter()
            answers[kind].append(ask(index, query))
            timings[kind].append((time.perf_counter() - started) * 1000)
    return {kind: statistics.median(t) for kind, t in timings.items()}, answers


def run_face_search_bench(
    *, sizes: list[int], dims: list[int], queries: int, report: Callable[[str], None], with_hnsw: bool = False
) -> list[SearchBenchRow]:
    kinds = ["exact", "bounded"] + (["hnsw"] if with_hnsw else [])
    rows = []
    for dim in dims:
        radius = STRANGER_RADIUS.get(dim, 1.1)
        for size in sizes:
            rng = np.random.default_rng(size + dim)
            stored = _unit(rng, size, dim)
            picks = rng.integers(0, size, queries)
            probes = stored[picks] + rng.normal(scale=0.05 / np.sqrt(dim), size=(queries, dim)).astype(np.float32)
            probes /= np.linalg.norm(probes, axis=1, keepdims=True)
            strangers = _unit(rng, queries, dim)
            row = SearchBenchRow(size, dim, {}, {}, {}, {}, {})
            indexes: dict[str, VectorIndex] = {}
            for kind in kinds:
                started = time.perf_counter()
                indexes[kind] = make_index(kind, dim, capacity=size)
                indexes[kind].add(np.arange(size, dtype=np.int64), stored)
                row.build_seconds[kind] = time.perf_counter() - started
                row.memory_mib[kind] = _memory_mib(indexes[kind])
                report(f"  N={size} dim={dim} {kind}: built in {row.build_seconds[kind]:.2f} s")
            row.nearest_ms, near_answers = _timed(indexes, probes, _nearest_ids)
            row.stranger_ms, far_answers = _timed(indexes, strangers, partial(_within_ids, radius=radius))
            del indexes
            for kind in kinds:
                row.recall_at_1[kind] = float(
                    np.mean([a == b for a, b in zip(near_answers[kind], near_answers["exact"], strict=True)])
                )
                row.stranger_agreement[kind] = float(
                    np.mean([a == b for a, b in zip(far_answers[kind], far_answers["exact"], strict=True)])
                )
            rows.append(row)
    return rows
