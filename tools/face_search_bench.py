"""1:N face-search benchmark: median query latency, exact (numpy) vs indexed (HNSW), at N stored faces.

Stored embeddings are random unit vectors (what matters for search cost is N and the dimension:
128 for dlib, 512 for ArcFace); each query is a noisy copy of a stored one, as a re-enrolled face
is. Recall@1 of the HNSW index is measured against the exact answer. The index is built in memory
exactly as likeness/search.py builds it (decryption and loading cost is reported separately by
`build` times); the database plays no part in query latency.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from likeness.vector_index import make_index


@dataclass
class SearchBenchRow:
    size: int
    dim: int
    build_seconds: dict[str, float]
    median_ms: dict[str, float]
    recall_at_1: float

    def line(self) -> str:
        exact, hnsw = self.median_ms["exact"], self.median_ms["hnsw"]
        return (
            f"face search N={self.size:>7} dim={self.dim}: exact median {exact:.3f} ms, "
            f"hnsw median {hnsw:.3f} ms, exact/hnsw {exact / hnsw:.1f}x, hnsw recall@1 {self.recall_at_1:.3f}, "
            f"build exact {self.build_seconds['exact']:.2f} s / hnsw {self.build_seconds['hnsw']:.2f} s"
        )


def _unit(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    vectors = rng.normal(size=(rows, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def run_face_search_bench(
    *, sizes: list[int], dims: list[int], queries: int, report: Callable[[str], None]
) -> list[SearchBenchRow]:
    rows = []
    for dim in dims:
        for size in sizes:
            rng = np.random.default_rng(size + dim)
            stored = _unit(rng, size, dim)
            picks = rng.integers(0, size, queries)
            probes = stored[picks] + rng.normal(scale=0.05 / np.sqrt(dim), size=(queries, dim)).astype(np.float32)
            probes /= np.linalg.norm(probes, axis=1, keepdims=True)
            build: dict[str, float] = {}
            medians: dict[str, float] = {}
            answers: dict[str, list[int]] = {}
            for kind in ("exact", "hnsw"):
                started = time.perf_counter()
                index = make_index(kind, dim, capacity=size)
                index.add(np.arange(size, dtype=np.int64), stored)
                build[kind] = time.perf_counter() - started
                index.search(probes[0], 10)  # warm up
                timings, found = [], []
                for probe in probes:
                    t0 = time.perf_counter()
                    result = index.search(probe, 10)
                    timings.append((time.perf_counter() - t0) * 1000)
                    found.append(result[0][0])
                medians[kind] = statistics.median(timings)
                answers[kind] = found
                report(f"  N={size} dim={dim} {kind}: median {medians[kind]:.3f} ms (build {build[kind]:.2f} s)")
            recall = float(np.mean(np.array(answers["hnsw"]) == np.array(answers["exact"])))
            rows.append(SearchBenchRow(size=size, dim=dim, build_seconds=build, median_ms=medians, recall_at_1=recall))
    return rows
