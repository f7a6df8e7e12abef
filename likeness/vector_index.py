"""Nearest-neighbour indexes over embeddings: exact (numpy) and approximate (HNSW, hnswlib).

Both answer `search(query, k)` with (id, Euclidean distance) pairs, nearest first, so the caller
cannot tell them apart except by speed. The exact index is a matrix product over every stored
vector; HNSW (hnswlib) is a graph index whose recall at the settings below is 1.0 on the
benchmark's data (see tools/face_search_bench.py), with the exact index as the reference.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    kind: str

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


class ExactIndex:
    kind = "exact"

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self._ids = np.empty(capacity, dtype=np.int64)
        self._vectors = np.empty((capacity, dim), dtype=np.float32)
        self._sq_norms = np.empty(capacity, dtype=np.float32)
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
        self._count = needed

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._count == 0 or k < 1:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        squared = self._sq_norms[: self._count] - 2.0 * (self._vectors[: self._count] @ q) + float(q @ q)
        k = min(k, self._count)
        nearest = np.argpartition(squared, k - 1)[:k] if k < self._count else np.arange(self._count)
        nearest = nearest[np.argsort(squared[nearest], kind="stable")]
        return [(int(self._ids[i]), float(np.sqrt(max(float(squared[i]), 0.0)))) for i in nearest]


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
    if kind == "hnsw":
        return HnswIndex(dim, capacity)
    raise ValueError(f"unknown index kind {kind!r}")
