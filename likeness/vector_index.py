"""Nearest-neighbour indexes over embeddings: exact, bounded (exact answers, faster) and HNSW.

Every index answers `search(query, k)` with (id, Euclidean distance) pairs, nearest first, and
`within(query, radius)` with every stored vector at most `radius` away, nearest first.

* `exact`: one float32 matrix product over every stored vector (the reference).
* `bounded`: the platform's index. A cheap scan of a low-dimensional sketch of every vector
  gives a LOWER BOUND on its true distance to the query; only vectors whose bound could still
  qualify are re-checked against the stored float32 vectors, and only those exact distances are
  reported. Its answers are therefore the exact index's answers (see "Why nothing is missed").
* `hnsw` (hnswlib): approximate; it can miss the true nearest face (recall@1 0.86 measured at
  100k x 512-d), so it is never chosen by `auto` and is kept only for comparison.

Why nothing is missed (bounded). Let P be a matrix of p orthonormal rows (PCA of the first batch
of vectors, or a random orthonormal basis when there are too few to fit one). Any vector splits
into its projection Px and a residual of norm r(x) = sqrt(|x|^2 - |Px|^2), and for any x, q

    |x - q|^2 = |Px - Pq|^2 + |Rx - Rq|^2 >= |Px - Pq|^2 + (r(x) - r(q))^2 =: LB(x, q)^2

(the residual parts are orthogonal to P's rows, and |a - b| >= ||a| - |b|| for any vectors). The
index stores, per vector, the row s(x) = [Px, r(x), -|x|^2 / 2] and scans S @ [Pq, r(q), 1], so
LB^2 = |q|^2 - 2 s(x).[Pq, r(q), 1]: one matrix-vector product over N x (p + 2) floats instead of
N x d. Floating point: every quantity is float32, so the computed LB^2 may exceed the true one
by rounding; we widen every candidate test by SLACK = 8 (d + 2) 2^-24 (max|x|^2 + |q|^2), a bound
on the accumulated float32 error of the projections and the dot products (d u (|x|^2+|q|^2) is
the textbook bound on a d-term dot product, u = 2^-24; the factor 8 covers the projection, the
residual and the sum). Then:

* `within(q, radius)`: a stored x with |x - q| <= radius has LB^2 <= radius^2, so it passes the
  widened test LB^2 <= radius^2 + SLACK and is re-checked exactly; no true match within the
  threshold can be dropped by the prefilter, and no non-match is reported (the exact re-check
  decides). This is the impostor and duplicate check.
* `search(q, k)`: the C = max(64, 4k) vectors with the smallest bound (for k = 1, the one with
  the smallest bound) are re-checked exactly;
  with D the k-th smallest exact distance among them, every other vector whose widened bound is
  <= D^2 is re-checked too (usually none). Any vector left out has a true distance > D, so the
  k reported are the exact k nearest.

When the bound is too weak to prune (it keeps over 1/16 of the vectors: a query with no stored
face near it, or a radius close to the typical distance between strangers), the query falls back
to the exact scan, so it never costs much more than `exact`; after two such queries in a row
`within` skips the sketch and scans, trying the sketch again every 8th query. The prefilter pays off where it
matters for speed: a face that IS already enrolled (a re-enrolment, a duplicate, an impostor) is
found and proven nearest after re-checking about 64 vectors. Proving that a new face matches
nobody still needs one exact pass over every vector: no sketch smaller than the vectors bounds
all distances tightly on high-dimensional data, and numpy has no faster-than-float32 kernel for
an int8 or float16 scan (onnxruntime's MatMulInteger measured no faster here).

Memory at 1M x 512-d: the float32 vectors (2.0 GiB, needed for the exact re-check) plus the
sketch at p = 64, 1M x 66 float32 (0.25 GiB), ids and norms (12 MiB): about 2.3 GiB, against
2.0 GiB for the exact index.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    kind: str

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def within(self, query: np.ndarray, radius: float) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


class ExactIndex:
    kind = "exact"

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self._ids = np.empty(capacity, dtype=np.int64)
        self._vectors = np.empty((capacity, dim), dtype=np.float32)
        self._sq_norms = np.empty(capacity, dtype=np.float32)
        self._max_sq_norm = 0.0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        needed = self._count + len(vectors)
        if needed > len(self._ids):
            capacity = max(needed, 2 * len(self._ids))
            self._ids = np.resize(self._ids, capacity)
            self._sq_norms = np.resize(self._sq_norms, capacity)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            grown[: self._count] = self._vectors[: self._count]
            self._vectors = grown
        self._ids[self._count : needed] = ids
        self._vectors[self._count : needed] = vectors
        self._sq_norms[self._count : needed] = np.einsum("ij,ij->i", vectors, vectors)
        if len(vectors):
            self._max_sq_norm = max(self._max_sq_norm, float(self._sq_norms[self._count : needed].max()))
        self._count = needed

    def within(self, query: np.ndarray, radius: float) -> list[tuple[int, float]]:
        if self._count == 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        squared = self._sq_norms[: self._count] - 2.0 * (self._vectors[: self._count] @ q) + float(q @ q)
        slack = 8.0 * (self.dim + 2) * 2.0**-24 * (self._max_sq_norm + float(q @ q))
        rows = np.flatnonzero(squared <= radius * radius + slack)
        diff = self._vectors[rows] - q
        distances = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        keep = distances <= radius
        rows, distances = rows[keep], distances[keep]
        order = np.lexsort((self._ids[rows], distances))
        return [(int(self._ids[rows[i]]), float(distances[i])) for i in order]

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._count == 0 or k < 1:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        squared = self._sq_norms[: self._count] - 2.0 * (self._vectors[: self._count] @ q) + float(q @ q)
        k = min(k, self._count)
        nearest = np.argpartition(squared, k - 1)[:k] if k < self._count else np.arange(self._count)
        nearest = nearest[np.argsort(squared[nearest], kind="stable")]
        return [(int(self._ids[i]), float(np.sqrt(max(float(squared[i]), 0.0)))) for i in nearest]


# When the bound keeps more than 1/16 of the stored vectors, gathering them costs more than one
# plain scan, so the query is answered by the exact scan instead (same answer, bounded cost).
FALLBACK_SHARE = 16


def _orthonormal_basis(sample: np.ndarray, dim: int, rank: int) -> np.ndarray:
    """`rank` orthonormal rows spanning the sample's top principal directions (random if it is small)."""
    if len(sample) >= 4 * rank:
        centred = sample.astype(np.float64) - sample.mean(axis=0, dtype=np.float64)
        _, eigenvectors = np.linalg.eigh(centred.T @ centred)
        basis = eigenvectors[:, ::-1][:, :rank].T
    else:
        gaussian = np.random.default_rng(7).normal(size=(dim, rank))
        basis = np.linalg.qr(gaussian)[0].T
    return np.ascontiguousarray(basis, dtype=np.float32)


class BoundedIndex:
    """Exact answers from a lower-bound prefilter over a p-dimensional sketch (see the module docstring)."""

    kind = "bounded"

    def __init__(self, dim: int, capacity: int = 1024, *, rank: int = 64, min_candidates: int = 64) -> None:
        self.dim = dim
        self.rank = min(rank, dim)
        self.min_candidates = min_candidates
        self._exact = ExactIndex(dim, capacity)
        self._basis: np.ndarray | None = None
        self._sketch = np.empty((capacity, self.rank + 2), dtype=np.float32)
        self._max_sq_norm = 0.0
        self.rechecked = 0  # vectors re-checked exactly by the last query, for the tests and the benchmark
        self._unpruned_streak = 0  # consecutive `within` queries the sketch could not prune

    def __len__(self) -> int:
        return len(self._exact)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors) == 0:
            return
        if self._basis is None:
            self._basis = _orthonormal_basis(vectors[:20_000], self.dim, self.rank)
        start = len(self._exact)
        self._exact.add(ids, vectors)
        needed = len(self._exact)
        if needed > len(self._sketch):
            grown = np.empty((max(needed, 2 * len(self._sketch)), self.rank + 2), dtype=np.float32)
            grown[:start] = self._sketch[:start]
            self._sketch = grown
        sq_norms = self._exact._sq_norms[start:needed]
        for begin in range(0, len(vectors), 65_536):  # bounded temporaries at 1M rows
            chunk = vectors[begin : begin + 65_536]
            rows = self._sketch[start + begin : start + begin + len(chunk)]
            rows[:, : self.rank] = chunk @ self._basis.T
            projected = np.einsum("ij,ij->i", rows[:, : self.rank], rows[:, : self.rank])
            rows[:, self.rank] = np.sqrt(np.maximum(sq_norms[begin : begin + len(chunk)] - projected, 0.0))
            rows[:, self.rank + 1] = -0.5 * sq_norms[begin : begin + len(chunk)]
        self._max_sq_norm = max(self._max_sq_norm, float(sq_norms.max()))

    def lower_bounds(self, query: np.ndarray) -> np.ndarray:
        """LB^2 of every stored vector, in insertion order: what the prefilter sees, before any re-check."""
        if len(self) == 0:
            return np.empty(0, dtype=np.float32)
        return self._bounds(query)[1]

    def _bounds(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        """(query, LB^2 of every stored vector, |q|^2, SLACK)."""
        assert self._basis is not None
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        q_sq = float(q @ q)
        projected = self._basis @ q
        residual = float(np.sqrt(max(q_sq - float(projected @ projected), 0.0)))
        augmented = np.concatenate([projected, np.array([residual, 1.0], dtype=np.float32)])
        lower_sq = q_sq - 2.0 * (self._sketch[: len(self)] @ augmented)
        slack = 8.0 * (self.dim + 2) * 2.0**-24 * (self._max_sq_norm + q_sq)
        return q, lower_sq, q_sq, slack

    def _recheck(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact float32 distances of the stored vectors at `rows` (direct differences, no expansion)."""
        self.rechecked += len(rows)
        diff = self._exact._vectors[rows] - q
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))

    def _answer(self, rows: np.ndarray, distances: np.ndarray) -> list[tuple[int, float]]:
        order = np.lexsort((self._exact._ids[rows], distances))
        return [(int(self._exact._ids[rows[i]]), float(distances[i])) for i in order]

    def within(self, query: np.ndarray, radius: float) -> list[tuple[int, float]]:
        self.rechecked = 0
        if len(self) == 0:
            return []
        if self._unpruned_streak >= 2 and self._unpruned_streak % 8:  # the sketch keeps failing: scan
            self._unpruned_streak += 1
            self.rechecked = len(self)
            return self._exact.within(query, radius)
        q, lower_sq, _, slack = self._bounds(query)
        rows = np.flatnonzero(lower_sq <= radius * radius + slack)
        if len(rows) > len(self) // FALLBACK_SHARE:
            self._unpruned_streak += 1
            self.rechecked = len(self)
            return self._exact.within(q, radius)
        self._unpruned_streak = 0
        distances = self._recheck(q, rows)
        keep = distances <= radius
        return self._answer(rows[keep], distances[keep])

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        self.rechecked = 0
        count = len(self)
        if count == 0 or k < 1:
            return []
        k = min(k, count)
        q, lower_sq, _, slack = self._bounds(query)
        if k == 1:  # the face with the smallest bound seeds the proof; no partial sort of every bound
            rows = np.array([int(np.argmin(lower_sq))])
        else:
            wanted = min(count, max(self.min_candidates, 4 * k))
            rows = np.argpartition(lower_sq, wanted - 1)[:wanted] if wanted < count else np.arange(count)
        distances = self._recheck(q, rows)
        kth = float(np.partition(distances, k - 1)[k - 1])
        more = np.flatnonzero(lower_sq <= kth * kth + slack)
        if len(more) > count // FALLBACK_SHARE:
            self.rechecked = count
            return self._exact.search(q, k)
        more = np.setdiff1d(more, rows, assume_unique=True)
        if len(more):
            rows = np.concatenate([rows, more])
            distances = np.concatenate([distances, self._recheck(q, more)])
        return self._answer(rows, distances)[:k]


class HnswIndex:
    kind = "hnsw"

    def __init__(self, dim: int, capacity: int = 1024, *, m: int = 16, ef_construction: int = 200, ef: int = 64):
        import hnswlib

        self.dim = dim
        self.ef = ef
        self._index = hnswlib.Index(space="l2", dim=dim)
        self._index.init_index(max_elements=max(capacity, 16), ef_construction=ef_construction, M=m, random_seed=7)
        self._index.set_ef(ef)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors) == 0:
            return
        needed = self._count + len(vectors)
        if needed > self._index.get_max_elements():
            self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
        self._index.add_items(vectors, np.asarray(ids, dtype=np.int64))
        self._count = needed

    def within(self, query: np.ndarray, radius: float, k: int = 10) -> list[tuple[int, float]]:
        """Approximate: only the `k` nearest found by the graph are considered; a match can be missed."""
        return [(i, d) for i, d in self.search(query, k) if d <= radius]

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._count == 0 or k < 1:
            return []
        k = min(k, self._count)
        self._index.set_ef(max(self.ef, k))
        labels, squared = self._index.knn_query(np.asarray(query, dtype=np.float32).reshape(1, self.dim), k=k)
        return [(int(i), float(np.sqrt(max(float(d), 0.0)))) for i, d in zip(labels[0], squared[0], strict=True)]


def make_index(kind: str, dim: int, capacity: int = 1024) -> VectorIndex:
    if kind == "exact":
        return ExactIndex(dim, capacity)
    if kind == "bounded":
        return BoundedIndex(dim, capacity)
    if kind == "hnsw":
        return HnswIndex(dim, capacity)
    raise ValueError(f"unknown index kind {kind!r}")
