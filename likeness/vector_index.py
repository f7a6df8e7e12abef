"""Nearest-neighbour indexes over embeddings: exact, quantised (the platform's), bounded, IVF and HNSW.

Every index answers `search(query, k)` with (id, Euclidean distance) pairs, nearest first, and
`within(query, radius)` with every stored vector at most `radius` away, nearest first. Reported
distances are always recomputed from the stored float32 vectors (HNSW's aside). Each index sets
`certified` after a query: whether that answer is PROVEN to be the exact scan's. `prove=True` asks
for a proven answer whatever it costs (only `ivf` behaves differently with it).

* `exact`: one float32 matrix product over every stored vector (the reference).
* `quantised`: the platform's index (`auto`, see "Why nothing is missed (quantised)" below): one
  scan of 4-bit codes of every vector (an eighth of the float32 bytes, integer products in a
  compiled loop, likeness/quantised_scan.py) gives a PROVEN LOWER BOUND on each true distance,
  tight enough that a stranger's match check re-checks nobody and a near-duplicate's nearest face
  is proven after one re-check against the float32 vectors. Always the exact answer, proven on
  every query, about 14 ms at 1M x 512-d on 2 cores where the exact scan takes about 90.
* `bounded`: a cheap scan of a low-dimensional sketch of every vector gives a LOWER BOUND on its
  true distance to the query; only vectors whose bound could still qualify are re-checked against
  the stored float32 vectors. Always the exact answer (see "Why nothing is missed"), but proving
  that a stranger matches nobody costs one exact pass: a 64-d sketch of 512-d random faces bounds
  nothing at the match distance.
* `ivf`: k-means inverted lists; a query scans the lists nearest to it and re-ranks their vectors
  exactly. FAST and MEASURED exact (recall@1 1.000 against `exact` on the benchmark's queries), and
  PROVEN exact whenever its bounds rule out every list it did not scan (`certified`); with
  `prove=True` it scans whatever the bounds cannot rule out (see "IVF" below).
* `hnsw` (hnswlib): approximate; it can miss the true nearest face (recall@1 0.86 measured at
  100k x 512-d), so it is never chosen by `auto` and is kept only for comparison.

Why nothing is missed (quantised). Each stored x (d coordinates) is kept as 4-bit integer codes c
(each in [-8, 7], stored as c + 8, two a byte) with a float32 step s, so that x = s c + e exactly,
e being the residual; beside the codes the index keeps s, s|c| and |e| (both rounded up) and |x|^2
(rounded down), float32. The query q is coded once per query with 8-bit codes k and step s_q:
q = s_q k + e_q. Then q.x = s (q.c) + q.e and q.c = s_q (k.c) + e_q.c, and Cauchy-Schwarz bounds
the two products no index can know, |q.e| <= |q| |e| and |e_q.c| <= |e_q| |c|, so for s >= 0

    q.x <= U := s s_q (k.c) + s|c| |e_q| + |q| |e|,
    |q - x|^2 = |q|^2 + |x|^2 - 2 q.x >= |q|^2 + |x|^2 - 2 U =: LB^2.

k.c is an exact integer sum (int32 products of 4-bit and 8-bit codes: the whole scan, d/2 bytes a
vector); the rest is float64 arithmetic on the rounded float32 table. The step is, per vector,
whichever of two leaves the smaller residual: the Gaussian-optimal 16-level step for the vector's
spread (0.3352 of its coordinates' RMS, clipping its few largest coordinates) or the step that
clips nothing (max|x_i| / 7.5). Clipping is safe because |e| is measured, not assumed; the step
only decides how tight LB is. A vector is re-checked when LB^2 <= (D (1 + 1e-4) + 1e-6)^2, D the
radius (`within`) or the k-th exact distance found (`search`, seeded as for `bounded`): the widening
covers the float32 re-check, whose direct distance is within 3e-5 relative of the true one for 512
terms, and every float64 rounding in LB (about 1e-16 relative each), so a vector the exact scan
would report always passes. No non-match is reported: the re-check decides. When more than 1/16 of
the vectors pass (a radius near the strangers' typical distance), the exact scan answers instead.

What is measured, on the benchmark's data (random unit vectors, 512-d): |e| is about 0.108 and
|e_q| about 0.009, so LB^2 falls about 0.23 short of the true squared distance. A stranger's faces
are about 1.41 away (LB about 1.33), so at the match distance 1.1 no vector passes and nothing is
re-checked; a near-duplicate's copy (0.05 away) is the only vector that passes. Cost: one pass over
N x d/2 code bytes plus 16 table bytes a vector (272 MB at 1M x 512-d), split over the process's
cores. Memory: the float32 vectors (2.0 GiB at 1M x 512-d, for the re-check and the reported
distances) plus the codes and table: about 2.3 GiB.

IVF. Training (when the index first holds `min_train` vectors, and again each time it has grown
4x, so the cost is amortised O(1) per vector): Lloyd's k-means in float32 on a sample of
max(64 lists, 20,000) vectors, lists = round(sqrt(N)) (1,000 at 1M), 8 iterations; then every vector
goes to the list of its nearest centroid, stored contiguously per list (vectors added later are
appended to their nearest centroid's list). A query computes its distance to every centroid, scans
the `nprobe` = 8 nearest lists (expanded squared distances, a per-list product), and re-ranks
exactly (direct float32 differences) every scanned vector whose expanded distance could be within
the answer (the k-th distance, or the radius), widened by the rounding slack below. Then it bounds
how close any vector of each unscanned list j can be to q, with the larger of:

* the triangle bound: |q - x| >= |q - c_j| - r_j, r_j the largest |x - c_j| in list j;
* the Voronoi bound: x is in list j because it is no farther from c_j than from any other
  centroid c_a, so f(x) = |x - c_j|^2 - |x - c_a|^2 <= 0; f is affine with gradient 2 (c_a - c_j),
  so |q - x| >= (f(q) - f(x)) / (2 |c_a - c_j|) >= (|q - c_j|^2 - |q - c_a|^2) / (2 |c_a - c_j|), for
  each of the `anchors` = 16 centroids nearest q as c_a (|c_a - c_j| precomputed, rounded up).

Floating point: the assignment and the query's centroid distances are float32 expansions, each
within SLACK = 8 (d + 2) 2^-24 (max|x|^2 + max|c|^2 + |q|^2) of the true value (as for `bounded`);
the Voronoi numerator is lowered by that slack for the assignment and twice for the query, the
triangle bound's |q - c_j| by it, r_j is rounded up, and comparisons against the answer allow a
relative 1e-4 (the float32 error of a 512-term direct distance is under 3e-5 relative). If every
unscanned list's bound exceeds the answer (the k-th exact distance, or the radius), no unscanned
vector can change it: the answer is `certified`. If the lists the bounds cannot rule out fit in
`max_probe` = 24 lists in all, they are scanned (and the answer is certified); otherwise the query
stops after the first `nprobe` lists and says `certified = False`: the answer is then only as good
as the measured recall. With `prove=True` every list the bounds cannot rule out is scanned (one
multi-threaded product over the contiguous lists when that is most of them), so the answer is
always certified.

What is proven and what is measured, on the benchmark's data (random unit vectors, 512-d):
* A near-duplicate's nearest face (the face it copies is 0.05 away, strangers about 1.41): all
  answers, certified or not, equalled the exact scan's (recall@1 1.000 at 100k and 1M, 200 queries
  each): measured. At 1M the copied face's list was among the 3 centroids nearest the query for all
  200 (nprobe = 8 leaves a margin). The bounds certify a share of them (within 24 lists: 32% at
  100k, 13.5% at 1M in the bench; at 1M 55% would take 64 lists, 90% 108): proven for those only.
* A stranger's threshold check (radius 1.1): never certified. In 512-d every centroid is nearly
  as far from q as every list's radius, so no bound can rule a list out at 1.1: proving "nobody
  matches" needs an exact pass over all N, for this index as for `bounded`. The unproven answer
  (8 lists) agreed with the exact one on every query: no stored face is within 1.1 of a random
  one, so this agreement says little; it is the near-duplicate recall that tests the lists.
So with `ivf` the impostor and duplicate check (likeness/search.py), which asks for `prove=True`,
costs one exact pass at the match distance; `quantised` proves the same answer from its codes.

Memory: the float32 vectors, ids and norms as for `exact`, plus lists x d centroids and a lists^2
table of centroid gaps (4 MiB at 1M): about 2.0 GiB at 1M x 512-d.

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

Memory (bounded) at 1M x 512-d: the float32 vectors (2.0 GiB, needed for the exact re-check) plus the
sketch at p = 64, 1M x 66 float32 (0.25 GiB), ids and norms (12 MiB): about 2.3 GiB, against
2.0 GiB for the exact index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from likeness import quantised_scan


class VectorIndex(Protocol):
    kind: str
    certified: bool  # the last answer is proven to be the exact index's answer

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, *, prove: bool = False) -> list[tuple[int, float]]: ...

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


class ExactIndex:
    kind = "exact"
    certified = True

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

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False) -> list[tuple[int, float]]:
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

    def search(self, query: np.ndarray, k: int, *, prove: bool = False) -> list[tuple[int, float]]:
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


class _RecheckedIndex:
    """What `bounded` and `quantised` share: a lower bound on every distance, then an exact re-check
    of whatever the bound cannot rule out against the float32 vectors of `_exact`."""

    _exact: ExactIndex
    min_candidates: int
    rechecked: int

    def _recheck(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact float32 distances of the stored vectors at `rows` (direct differences, no expansion)."""
        self.rechecked += len(rows)
        diff = self._exact._vectors[rows] - q
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))

    def _answer(self, rows: np.ndarray, distances: np.ndarray) -> list[tuple[int, float]]:
        order = np.lexsort((self._exact._ids[rows], distances))
        return [(int(self._exact._ids[rows[i]]), float(distances[i])) for i in order]

    def _within_bound(self, q: np.ndarray, radius: float, rows: np.ndarray) -> list[tuple[int, float]]:
        """The answer to `within` from the rows whose bound could be within `radius`: re-checked,
        or the exact scan when they are over 1/FALLBACK_SHARE of the stored vectors."""
        if len(rows) > len(self) // FALLBACK_SHARE:
            self.rechecked = len(self)
            return self._exact.within(q, radius)
        distances = self._recheck(q, rows)
        keep = distances <= radius
        return self._answer(rows[keep], distances[keep])

    def __len__(self) -> int:
        raise NotImplementedError

    def _search_bounds(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, Callable[[float], float]]:
        """(the query as float32, LB^2 of every stored vector, D -> the LB^2 under which a vector may be within D)."""
        raise NotImplementedError

    def search(self, query: np.ndarray, k: int, *, prove: bool = False) -> list[tuple[int, float]]:
        """The k nearest, nearest first, with exact float32 distances; always proven (`prove` changes
        nothing): the vectors with the smallest bounds seed the k-th exact distance D, then every
        vector whose bound is within D's limit is re-checked too (the exact scan answers instead
        when that is over 1/FALLBACK_SHARE of them)."""
        self.rechecked = 0
        if len(self) == 0 or k < 1:
            return []
        q, lower_sq, limit_sq = self._search_bounds(query)
        count = len(lower_sq)
        k = min(k, count)
        if k == 1:  # the face with the smallest bound seeds the proof; no partial sort of every bound
            rows = np.array([int(np.argmin(lower_sq))])
        else:
            wanted = min(count, max(self.min_candidates, 4 * k))
            rows = np.argpartition(lower_sq, wanted - 1)[:wanted] if wanted < count else np.arange(count)
        distances = self._recheck(q, rows)
        kth = float(np.partition(distances, k - 1)[k - 1])
        more = np.flatnonzero(lower_sq <= limit_sq(kth))
        if len(more) > count // FALLBACK_SHARE:
            self.rechecked = count
            return self._exact.search(q, k)
        more = np.setdiff1d(more, rows, assume_unique=True)
        if len(more):
            rows = np.concatenate([rows, more])
            distances = np.concatenate([distances, self._recheck(q, more)])
        return self._answer(rows, distances)[:k]


class BoundedIndex(_RecheckedIndex):
    """Exact answers from a lower-bound prefilter over a p-dimensional sketch (see the module docstring)."""

    kind = "bounded"
    certified = True  # every answer is the exact one (module docstring)

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

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False) -> list[tuple[int, float]]:
        """Every stored vector at most `radius` away; always proven (`prove` changes nothing)."""
        self.rechecked = 0
        if len(self) == 0:
            return []
        if self._unpruned_streak >= 2 and self._unpruned_streak % 8:  # the sketch keeps failing: scan
            self._unpruned_streak += 1
            self.rechecked = len(self)
            return self._exact.within(query, radius)
        q, lower_sq, _, slack = self._bounds(query)
        rows = np.flatnonzero(lower_sq <= radius * radius + slack)
        pruned = len(rows) <= len(self) // FALLBACK_SHARE
        self._unpruned_streak = 0 if pruned else self._unpruned_streak + 1
        return self._within_bound(q, radius, rows)

    def _search_bounds(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, Callable[[float], float]]:
        q, lower_sq, _, slack = self._bounds(query)
        return q, lower_sq, lambda kth: kth * kth + slack


# Rows quantised per step when vectors are added: bounded float64 temporaries at 1M x 512-d.
QUANTISE_CHUNK = 16_384


class QuantisedIndex(_RecheckedIndex):
    """Exact answers from a proven lower bound over 4-bit codes of every vector (module docstring)."""

    kind = "quantised"
    certified = True  # every answer is the exact one (module docstring)

    def __init__(self, dim: int, capacity: int = 1024, *, min_candidates: int = 64) -> None:
        self.dim = dim
        self.min_candidates = min_candidates
        self._exact = ExactIndex(dim, capacity)
        self._codes = np.empty((capacity, quantised_scan.code_bytes(dim)), dtype=np.uint8)
        self._per_row = np.empty((capacity, 4), dtype=np.float32)  # s, s|c|, |x - s c|, |x|^2
        self.rechecked = 0  # vectors re-checked exactly by the last query, for the tests and the benchmark
        # Rows a search may read: raised only once a row's vector, codes and table are all written,
        # so a search running beside an `add` (search.py hands the index out of its lock) never
        # reads a row half-written.
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        exact = self._exact
        arrays = (exact._ids, exact._vectors, exact._sq_norms, self._codes, self._per_row)
        return sum(array.nbytes for array in arrays)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors) == 0:
            return
        _require_finite(vectors)
        start = self._count
        self._exact.add(ids, vectors)
        needed = len(self._exact)
        if needed > len(self._codes):
            capacity = max(needed, 2 * len(self._codes))
            codes = np.empty((capacity, self._codes.shape[1]), dtype=np.uint8)
            codes[:start] = self._codes[:start]
            per_row = np.empty((capacity, 4), dtype=np.float32)
            per_row[:start] = self._per_row[:start]
            self._codes, self._per_row = codes, per_row
        for begin in range(0, len(vectors), QUANTISE_CHUNK):
            chunk = vectors[begin : begin + QUANTISE_CHUNK]
            at = slice(start + begin, start + begin + len(chunk))
            self._codes[at], self._per_row[at] = quantised_scan.quantise(chunk)
        self._count = needed

    def lower_bounds(self, query: np.ndarray) -> np.ndarray:
        """LB^2 of every stored vector, in insertion order: what the scan sees, before any re-check."""
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        return self._lower_bounds(q).copy()

    def _lower_bounds(self, q: np.ndarray) -> np.ndarray:
        """This thread's scan buffer (quantised_scan.lower_bounds): read it before the next query."""
        _require_finite(q)
        count = self._count  # first: every row under it is whole in whichever arrays are read next
        codes, per_row = self._codes, self._per_row
        query = quantised_scan.QueryCodes(q, codes.shape[1])
        return quantised_scan.lower_bounds(codes, per_row, count, query)

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False) -> list[tuple[int, float]]:
        """Every stored vector at most `radius` away; always proven (`prove` changes nothing)."""
        self.rechecked = 0
        if len(self) == 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        return self._within_bound(q, radius, np.flatnonzero(self._lower_bounds(q) <= _widened(radius) ** 2))

    def _search_bounds(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, Callable[[float], float]]:
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        return q, self._lower_bounds(q), lambda kth: _widened(kth) ** 2


def _require_finite(vectors: np.ndarray) -> None:
    """Refuse NaN and infinite coordinates: every comparison with a NaN bound is false, so such a
    face would match nobody, and "nobody matches" must be proven, never fallen into."""
    if not np.isfinite(vectors).all():
        raise ValueError("a face vector has a NaN or infinite coordinate")


def _widened(distance: float) -> float:
    """A distance raised past the float32 re-check's rounding (under 3e-5 relative for 512 terms)
    and every float64 rounding in the bound: a vector the re-check would accept is never cut."""
    return distance * (1 + 1e-4) + 1e-6


class HnswIndex:
    kind = "hnsw"
    certified = False  # approximate: nothing is proven, even with `prove`

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

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False, k: int = 10) -> list[tuple[int, float]]:
        """Approximate: only the `k` nearest found by the graph are considered; a match can be missed."""
        return [(i, d) for i, d in self.search(query, k) if d <= radius]

    def search(self, query: np.ndarray, k: int, *, prove: bool = False) -> list[tuple[int, float]]:
        if self._count == 0 or k < 1:
            return []
        k = min(k, self._count)
        self._index.set_ef(max(self.ef, k))
        labels, squared = self._index.knn_query(np.asarray(query, dtype=np.float32).reshape(1, self.dim), k=k)
        return [(int(i), float(np.sqrt(max(float(d), 0.0)))) for i, d in zip(labels[0], squared[0], strict=True)]


# ----------------------------------------------------------------------------------------------
# IVF (kept for comparison: its proven stranger check costs an exact pass).


def _slack(dim: int, sq_norms: float) -> float:
    """A bound on the float32 rounding of one expanded squared distance |a|^2 - 2 a.b + |b|^2."""
    return 8.0 * (dim + 2) * 2.0**-24 * sq_norms


def _kmeans(sample: np.ndarray, lists: int, *, iterations: int, seed: int = 7) -> np.ndarray:
    """Lloyd's k-means (squared Euclidean) in float32; empty lists are reseeded from random sample rows."""
    rng = np.random.default_rng(seed)
    centroids = sample[rng.choice(len(sample), lists, replace=False)].copy()
    for _ in range(iterations):
        labels = _nearest_centroid(sample, centroids)
        order = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=lists)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        filled = counts > 0
        sums = np.add.reduceat(sample[order], starts[filled], axis=0)
        centroids[filled] = sums / counts[filled, None]
        empty = np.flatnonzero(~filled)
        if len(empty):
            centroids[empty] = sample[rng.choice(len(sample), len(empty), replace=False)]
    return np.ascontiguousarray(centroids, dtype=np.float32)


def _nearest_centroid(vectors: np.ndarray, centroids: np.ndarray, block: int = 16_384) -> np.ndarray:
    """Index of each vector's nearest centroid (float32 expansion; see `IvfIndex` for the rounding slack)."""
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    labels = np.empty(len(vectors), dtype=np.int64)
    for begin in range(0, len(vectors), block):
        scores = c_sq - 2.0 * (vectors[begin : begin + block] @ centroids.T)
        labels[begin : begin + block] = np.argmin(scores, axis=1)
    return labels


class IvfIndex:
    """Inverted lists over a k-means partition, exact float32 re-rank, and a proof of exactness when cheap.

    See the module docstring ("IVF"). `certified` tells whether the last answer was proven exact;
    `probed` how many lists it scanned.
    """

    kind = "ivf"

    def __init__(
        self,
        dim: int,
        capacity: int = 1024,
        *,
        lists: int | None = None,
        nprobe: int = 8,
        max_probe: int = 24,
        anchors: int = 16,
        min_train: int = 4096,
        iterations: int = 8,
    ) -> None:
        self.dim = dim
        self.fixed_lists = lists
        self.nprobe = nprobe
        self.max_probe = max_probe
        self.anchors = anchors
        self.min_train = min_train
        self.iterations = iterations
        self.certified = True  # the last answer is proven to be the exact one
        self.probed = 0  # lists scanned by the last query
        self._trained_at = 0  # vector count when the partition was trained (0: one list, no partition)
        self._centroids = np.zeros((1, dim), dtype=np.float32)
        self._c_sq = np.zeros(1, dtype=np.float32)
        self._gaps = np.zeros((1, 1), dtype=np.float32)  # |c_a - c_j|, rounded up
        self._radii = np.zeros(1, dtype=np.float32)  # max |x - c_j| over list j, rounded up
        self._vectors: list[np.ndarray] = [np.empty((0, dim), dtype=np.float32)]
        self._ids: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
        self._sq_norms: list[np.ndarray] = [np.empty(0, dtype=np.float32)]
        self._sizes = np.zeros(1, dtype=np.int64)
        self._bulk: np.ndarray | None = None  # every list as trained, contiguous: one BLAS product scans it all
        self._bulk_ids: np.ndarray | None = None
        self._bulk_start = np.full(1, -1, dtype=np.int64)  # a list's first row in `_bulk`; -1 once it has grown
        self._max_sq_norm = 0.0
        self._assign_slack = 0.0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def lists(self) -> int:
        return len(self._centroids)

    @property
    def nbytes(self) -> int:
        arrays = [*self._vectors, *self._ids, *self._sq_norms, self._centroids, self._gaps, self._radii]
        owned = sum(a.nbytes for a in arrays if a.base is None)
        return owned + sum(a.nbytes for a in (self._bulk, self._bulk_ids) if a is not None)

    # -- building ---------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(vectors) == 0:
            return
        total = self._count + len(vectors)
        if total >= self.min_train and total >= 4 * self._trained_at:  # (re)partition, amortised O(1) per vector
            if self._count:
                sizes = [int(n) for n in self._sizes]
                ids = np.concatenate([*(i[:n] for i, n in zip(self._ids, sizes, strict=True)), ids])
                vectors = np.concatenate([*(v[:n] for v, n in zip(self._vectors, sizes, strict=True)), vectors])
            self._train(ids, vectors)
            return
        labels = _nearest_centroid(vectors, self._centroids) if self.lists > 1 else np.zeros(len(vectors), np.int64)
        for j in np.unique(labels):
            rows = labels == j
            self._append(int(j), ids[rows], vectors[rows])

    def _train(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        count = len(vectors)
        lists = self.fixed_lists or max(1, round(float(np.sqrt(count))))
        lists = min(lists, count)
        rng = np.random.default_rng(7)
        sample = vectors[rng.choice(count, min(count, max(64 * lists, 20_000)), replace=False)]
        self._centroids = _kmeans(sample, lists, iterations=self.iterations)
        self._c_sq = np.einsum("ij,ij->i", self._centroids, self._centroids)
        centroids64 = self._centroids.astype(np.float64)
        c_sq64 = np.einsum("ij,ij->i", centroids64, centroids64)
        gaps = np.sqrt(np.maximum(c_sq64[:, None] + c_sq64[None, :] - 2.0 * centroids64 @ centroids64.T, 0.0))
        self._gaps = (gaps * (1 + 1e-6) + 1e-12).astype(np.float32)
        labels = _nearest_centroid(vectors, self._centroids)
        order = np.argsort(labels, kind="stable")
        self._sizes = np.bincount(labels, minlength=lists).astype(np.int64)
        bounds = np.concatenate([[0], np.cumsum(self._sizes)])
        sorted_vectors, sorted_ids = vectors[order], ids[order]
        del vectors, order
        self._bulk, self._bulk_ids, self._bulk_start = sorted_vectors, sorted_ids, bounds[:-1].astype(np.int64)
        self._vectors = [sorted_vectors[bounds[j] : bounds[j + 1]] for j in range(lists)]
        self._ids = [sorted_ids[bounds[j] : bounds[j + 1]] for j in range(lists)]
        self._sq_norms = [np.einsum("ij,ij->i", v, v) for v in self._vectors]
        self._radii = np.zeros(lists, dtype=np.float32)
        for j in range(lists):
            self._radii[j] = self._radius(j, self._vectors[j])
        self._max_sq_norm = max((float(s.max()) for s in self._sq_norms if len(s)), default=0.0)
        self._update_assign_slack()
        self._count = count
        self._trained_at = count

    def _radius(self, j: int, vectors: np.ndarray) -> float:
        if len(vectors) == 0:
            return 0.0
        diff = vectors - self._centroids[j]
        return float(np.sqrt(np.einsum("ij,ij->i", diff, diff).max())) * (1 + 1e-5) + 1e-6

    def _update_assign_slack(self) -> None:
        # Each vector went to the list whose float32 |c|^2 - 2 x.c was smallest; the true values may
        # differ from the computed ones by the expansion's rounding, so x is at most 2 * slack (in
        # squared distance) closer to any other centroid than to its own.
        self._assign_slack = 2.0 * _slack(self.dim, self._max_sq_norm + float(self._c_sq.max()))

    def _append(self, j: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        size, stored = int(self._sizes[j]), self._vectors[j]
        needed = size + len(vectors)
        if needed > len(stored) or not stored.flags.owndata:  # a view into the bulk build: copy before growing
            capacity = max(needed, size + size // 2, 16)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            grown[:size] = stored[:size]
            self._vectors[j] = grown
            self._bulk_start[j] = -1
            self._ids[j] = np.resize(self._ids[j][:size], capacity)
            self._sq_norms[j] = np.resize(self._sq_norms[j][:size], capacity)
        self._vectors[j][size:needed] = vectors
        self._ids[j][size:needed] = ids
        sq = np.einsum("ij,ij->i", vectors, vectors)
        self._sq_norms[j][size:needed] = sq
        self._sizes[j] = needed
        self._count += len(vectors)
        self._max_sq_norm = max(self._max_sq_norm, float(sq.max()))
        self._radii[j] = max(float(self._radii[j]), self._radius(j, vectors))
        self._update_assign_slack()

    # -- answering --------------------------------------------------------------------------

    def _gather(self, store: list[np.ndarray], keys: np.ndarray) -> np.ndarray:
        """Rows of a per-list store at (list, row) `keys`, in the keys' order."""
        if len(keys) == 0:
            return store[0][:0]
        out = np.empty((len(keys), *store[0].shape[1:]), dtype=store[0].dtype)
        for j in np.unique(keys[:, 0]):
            at = keys[:, 0] == j
            out[at] = store[j][keys[at, 1]]
        return out

    def _exact(self, q: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Exact float32 distances of the stored vectors at `keys` (direct differences, no expansion)."""
        diff = self._gather(self._vectors, keys) - q
        return np.sqrt(np.einsum("ij,ij->i", diff, diff)).astype(np.float32)

    def _answer(self, keys: np.ndarray, distances: np.ndarray) -> list[tuple[int, float]]:
        ids = self._gather(self._ids, keys)
        order = np.lexsort((ids, distances))
        return [(int(ids[i]), float(distances[i])) for i in order]

    def _list_bounds(self, q_sq: float, c_dist_sq: np.ndarray, order: np.ndarray) -> np.ndarray:
        """A lower bound on |q - x| for every x in each list (the triangle and the Voronoi bounds)."""
        query_slack = _slack(self.dim, float(self._c_sq.max()) + q_sq)
        ball = np.sqrt(np.maximum(c_dist_sq - query_slack, 0.0)) - self._radii
        if self.lists == 1:
            return ball
        anchors = order[: self.anchors]
        # x in list j is (up to the assignment slack) no closer to c_a than to c_j, so it lies beyond
        # the bisecting hyperplane of c_a and c_j, at least margin / (2 |c_a - c_j|) from q.
        margin = c_dist_sq[None, :] - c_dist_sq[anchors, None] - self._assign_slack - 2.0 * query_slack
        gaps = self._gaps[anchors]
        plane = np.full(gaps.shape, -np.inf, dtype=np.float32)
        np.divide(margin, 2.0 * gaps, out=plane, where=gaps > 0)
        return np.maximum(ball, plane.max(axis=0))

    def _query(self, query: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, float]:
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        q_sq = float(q @ q)
        # einsum, not `@`: small matrix-vector products through a multi-threaded BLAS stall on a busy machine
        c_dist_sq = self._c_sq - 2.0 * np.einsum("ij,j->i", self._centroids, q) + q_sq
        order = np.argsort(c_dist_sq, kind="stable")
        slack = _slack(self.dim, self._max_sq_norm + q_sq)
        return q, q_sq, c_dist_sq, order, slack

    def _doubtful(self, bounds: np.ndarray, probed: np.ndarray, order: np.ndarray, limit: float) -> np.ndarray:
        """Unprobed non-empty lists, nearest centroid first, whose bound does not rule out a vector within `limit`."""
        rest = order[~probed[order]]
        return rest[(bounds[rest] <= limit * (1 + 1e-4) + 1e-6) & (self._sizes[rest] > 0)]

    def _search_lists(
        self, query: np.ndarray, limit_of: Callable[[np.ndarray], float], prove: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        """Scan the `nprobe` nearest lists, then every list the bounds cannot rule out if that fits in
        `max_probe` lists (or always, with `prove`). `limit_of(expanded distances so far)` is the
        distance the answer needs (a radius, or the kth distance). Returns the scanned lists, their
        starts in the concatenated expanded squared distances, those distances, the query's slack,
        and the lower bound on every unscanned vector's distance (inf when every list was scanned).
        Sets `probed` and a provisional `certified`."""
        q, q_sq, c_dist_sq, order, slack = self._query(query)
        bounds = self._list_bounds(q_sq, c_dist_sq, order) if self.lists > self.nprobe else None
        probed = np.zeros(self.lists, dtype=bool)
        scanned: list[int] = []
        parts: list[np.ndarray] = []
        take = order[: self.nprobe]
        while True:
            # Proving a stranger's answer can mean scanning nearly every list: then one multi-threaded
            # product over the contiguous lists beats a product per list.
            dots = self._bulk @ q if self._bulk is not None and len(take) > self.max_probe else None
            for j in take:
                size, start = int(self._sizes[j]), int(self._bulk_start[j])
                if size:
                    scanned.append(int(j))
                    if dots is not None and start >= 0:
                        products = dots[start : start + size]
                    else:
                        products = np.einsum("ij,j->i", self._vectors[j][:size], q)
                    parts.append(self._sq_norms[j][:size] - 2.0 * products + q_sq)
            probed[take] = True
            if bounds is None:
                break
            values = np.concatenate(parts) if parts else np.empty(0, dtype=np.float32)
            doubtful = self._doubtful(bounds, probed, order, limit_of(values))
            if len(doubtful) == 0 or (not prove and int(probed.sum()) + len(doubtful) > self.max_probe):
                break
            take = doubtful
        values = np.concatenate(parts) if parts else np.empty(0, dtype=np.float32)
        sizes = np.array([int(self._sizes[j]) for j in scanned], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.probed = int(probed.sum())
        unscanned = (
            np.inf if bounds is None or probed.all() else float(bounds[~probed & (self._sizes > 0)].min(initial=np.inf))
        )
        return np.array(scanned, dtype=np.int64), starts, values, slack, unscanned

    @staticmethod
    def _keys(scanned: np.ndarray, starts: np.ndarray, positions: np.ndarray) -> np.ndarray:
        at = np.searchsorted(starts, positions, side="right") - 1
        return np.stack([scanned[at], positions - starts[at]], axis=1)

    def within(self, query: np.ndarray, radius: float, *, prove: bool = False) -> list[tuple[int, float]]:
        """Every stored vector at most `radius` away, nearest first, with exact float32 distances.
        `certified` says whether every unscanned vector is provably farther than `radius`; with
        `prove` the lists that cannot be ruled out are scanned whatever it costs, so it is always set."""
        self.certified, self.probed = True, 0
        if self._count == 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        scanned, starts, values, slack, unscanned = self._search_lists(q, lambda _: radius, prove)
        keys = self._keys(scanned, starts, np.flatnonzero(values <= radius * radius + slack))
        distances = self._exact(q, keys)
        keep = distances <= radius
        self.certified = unscanned > radius * (1 + 1e-4) + 1e-6
        return self._answer(keys[keep], distances[keep])

    def search(self, query: np.ndarray, k: int, *, prove: bool = False) -> list[tuple[int, float]]:
        """The k nearest stored vectors, nearest first, with exact float32 distances. `certified`
        says whether every unscanned vector is provably farther than the kth; `prove` as in `within`."""
        self.certified, self.probed = True, 0
        if self._count == 0 or k < 1:
            return []
        k = min(k, self._count)
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)

        def kth_limit(values: np.ndarray) -> float:
            # the kth smallest expanded distance widened by its rounding: never under the true kth
            if len(values) < k:
                return np.inf
            return float(np.sqrt(max(float(np.partition(values, k - 1)[k - 1]) + slack_of(q), 0.0)))

        def slack_of(vector: np.ndarray) -> float:
            return _slack(self.dim, self._max_sq_norm + float(vector @ vector))

        scanned, starts, values, slack, unscanned = self._search_lists(q, kth_limit, prove)
        cut = kth_limit(values)
        keys = self._keys(scanned, starts, np.flatnonzero(values <= cut * cut + slack))
        answer = self._answer(keys, self._exact(q, keys))[:k]
        self.certified = len(answer) == k and unscanned > answer[-1][1] * (1 + 1e-4) + 1e-6
        return answer


def make_index(kind: str, dim: int, capacity: int = 1024) -> VectorIndex:
    if kind == "exact":
        return ExactIndex(dim, capacity)
    if kind == "bounded":
        return BoundedIndex(dim, capacity)
    if kind == "hnsw":
        return HnswIndex(dim, capacity)
    if kind == "ivf":
        return IvfIndex(dim, capacity)
    if kind == "quantised":
        return QuantisedIndex(dim, capacity)
    raise ValueError(f"unknown index kind {kind!r}")
