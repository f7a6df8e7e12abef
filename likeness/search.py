"""1:N face search over every enrolled likeness: the impostor and duplicate check.

Embeddings are stored encrypted, so no database can index them; each process keeps an in-memory
index (vector_index.py) per engine, built by decrypting the stored embeddings (one unwrap per
likeness, then one AES-GCM open per embedding) and kept current by cheap checks against the table:
before each search the row count, the highest id and that row's random `search_token` are read; new
rows are added incrementally, anything else (an erasure, a rolled-back id reused) rebuilds the
index. So any number of web and worker processes stay correct without coordination.

The index kind is FACE_SEARCH_INDEX: `exact` (numpy), `quantised` (a proven lower bound from 4-bit
codes of every vector, then an exact float32 re-check: always the exact answer, proven), `bounded`
(a lower-bound prefilter over a 64-d sketch, exact re-check), `ivf` (k-means inverted lists, exact
float32 re-rank, and a proof of exactness when its bounds rule out the lists it did not scan),
`hnsw` (hnswlib, approximate) or `auto`, which is `quantised`; see likeness/vector_index.py. The
impostor and duplicate check asks the index for EVERY stored face within the engine's match
distance (`within`), not for a fixed number of nearest ones, and asks for a PROVEN answer
(`prove=True`), so no face within that distance can be missed and every reported distance is
recomputed from the float32 vector. On high-dimensional faces strangers are all about equally far
apart, so neither the 64-d sketch (`bounded`) nor the inverted lists (`ivf`) can rule anyone out at
the match distance: their proof costs one exact pass (about 90 ms at 1M x 512-d on 2 cores). The
4-bit codes bound every distance within about 0.12 of the truth, so `quantised` proves "nobody
matches" from one pass over an eighth of the bytes (about 14 ms at 1M), and builds in seconds.
With `hnsw` a match can be missed (recall@1 0.86 measured at 100k x 512-d); it is kept for
comparison only. pgvector is
deliberately not used: it would need the embeddings in plaintext in a database column, which the
at-rest encryption forbids.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from likeness import crypto
from likeness.keystore import load_data_key
from likeness.models import FaceEmbedding, LikenessKey
from likeness.vector_index import VectorIndex, make_index


@dataclass(frozen=True)
class Match:
    likeness_id: uuid.UUID
    embedding_id: int
    distance: float


@dataclass
class _State:
    count: int
    top_id: int | None
    top_token: uuid.UUID | None


@dataclass
class _Cached:
    state: _State
    index: VectorIndex
    likeness_of: dict[int, uuid.UUID] = field(default_factory=dict)


_cache: dict[tuple[str, str, str, str], _Cached] = {}
_lock = threading.Lock()


def index_kind() -> str:
    kind: str = settings.FACE_SEARCH_INDEX
    return "quantised" if kind == "auto" else kind


def reset_cache() -> None:
    with _lock:
        _cache.clear()


def _current_state(engine: str) -> _State:
    rows = FaceEmbedding.objects.filter(engine=engine)
    agg = rows.aggregate(count=Count("id"), top=Max("id"))
    token = None
    if agg["top"] is not None:
        token = rows.filter(id=agg["top"]).values_list("search_token", flat=True).first()
    return _State(count=agg["count"], top_id=agg["top"], top_token=token)


def decrypt_embeddings(rows: list[FaceEmbedding]) -> dict[int, np.ndarray]:
    """Embedding id -> vector, unwrapping each likeness's key once. The only bulk decryption path."""
    by_likeness: dict[uuid.UUID, list[FaceEmbedding]] = defaultdict(list)
    for row in rows:
        by_likeness[row.likeness_id].append(row)
    keys = LikenessKey.objects.filter(likeness_id__in=list(by_likeness)).values_list("likeness_id", "key_ref")
    out: dict[int, np.ndarray] = {}
    for likeness_id, key_ref in keys:
        data_key = load_data_key(key_ref, str(likeness_id))
        for row in by_likeness[likeness_id]:
            plain = crypto.unseal(
                data_key, bytes(row.ciphertext), context=crypto.embedding_context(str(likeness_id), str(row.photo_id))
            )
            out[row.id] = np.frombuffer(plain, dtype=np.float32).copy()
    return out


def _load_into(cached: _Cached, engine: str, *, after_id: int | None) -> None:
    rows = (
        FaceEmbedding.objects.filter(engine=engine).order_by("id").only("id", "likeness_id", "photo_id", "ciphertext")
    )
    if after_id is not None:
        rows = rows.filter(id__gt=after_id)
    batch = list(rows)
    vectors = decrypt_embeddings(batch)
    ids = np.array([row.id for row in batch if row.id in vectors], dtype=np.int64)
    if len(ids):
        cached.index.add(ids, np.stack([vectors[int(i)] for i in ids]))
    for row in batch:
        cached.likeness_of[row.id] = row.likeness_id


def engine_index(engine: str, *, dim: int, kind: str | None = None) -> tuple[VectorIndex, dict[int, uuid.UUID]]:
    """This process's index of every stored embedding made by `engine`, brought up to date."""
    kind = kind or index_kind()
    key = (connection.alias, str(connection.settings_dict["NAME"]), engine, kind)
    with _lock:
        state = _current_state(engine)
        cached = _cache.get(key)
        if cached is not None and cached.state == state:
            return cached.index, cached.likeness_of
        if (
            cached is not None
            and cached.state.top_id is not None
            and cached.state.top_token is not None
            and state.count >= cached.state.count
            and FaceEmbedding.objects.filter(id=cached.state.top_id, search_token=cached.state.top_token).exists()
            and FaceEmbedding.objects.filter(engine=engine, id__gt=cached.state.top_id).count()
            == state.count - cached.state.count
        ):
            _load_into(cached, engine, after_id=cached.state.top_id)
        else:
            cached = _Cached(state=state, index=make_index(kind, dim, capacity=max(1024, state.count)))
            _load_into(cached, engine, after_id=None)
        cached.state = state
        _cache[key] = cached
        return cached.index, cached.likeness_of


def similar_likenesses(
    *,
    engine: str,
    dim: int,
    vectors: list[np.ndarray],
    within: float,
    exclude_likeness_id: uuid.UUID | None = None,
    kind: str | None = None,
) -> list[Match]:
    """Other likenesses with a face within `within` of any of `vectors`, closest first, one match each."""
    index, likeness_of = engine_index(engine, dim=dim, kind=kind)
    best: dict[uuid.UUID, Match] = {}
    for vector in vectors:
        for embedding_id, distance in index.within(vector, within, prove=True):
            likeness_id = likeness_of.get(embedding_id)
            if likeness_id is None or likeness_id == exclude_likeness_id:
                continue
            if likeness_id not in best or distance < best[likeness_id].distance:
                best[likeness_id] = Match(likeness_id=likeness_id, embedding_id=embedding_id, distance=distance)
    return sorted(best.values(), key=lambda match: match.distance)
