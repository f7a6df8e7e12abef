"""Proof benchmark: inclusion and consistency proofs and roots at 10k, 100k and 1M entries.

`python manage.py bench audit_proofs [--sizes 10000,100000,1000000] [--queries 200]`, or `--smoke`
(10k only). It runs on a scratch database (see audit.bench.scratch_database), fills it quickly with a
valid chain and Merkle tree (rows computed in Python from a fixed template, written with COPY on
PostgreSQL), then times each proof through the service and through the API (Django test client),
next to the pure algorithm over nodes already in memory and to the previous way (one query per node),
and counts SQL queries per proof. The API's floor is a plain one-entry GET through the same stack.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment
from django.urls import reverse

from audit import merkle
from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_entry
from audit.checkpoints import (
    StoredNodes,
    consistency_proof_with_roots,
    fetch_nodes,
    inclusion_proof_with_root,
    indexed_size,
    root_at,
)
from audit.models import AuditEntry
from tools.scratch import scratch_database

SMOKE_SIZES = [10_000]
SMOKE_QUERIES = 50
FULL_SIZES = [10_000, 100_000, 1_000_000]
_BASE = datetime(2030, 1, 1, tzinfo=UTC)
_ACTION = AuditAction.BENCH_APPENDED.value
_CHUNK = 20_000


def _time_text(seq: int) -> str:
    seconds, micros = divmod(seq, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    return f"2030-01-01T00:{minutes:02d}:{seconds:02d}.{micros:06d}Z"


def _canonical(seq: int) -> bytes:
    # RFC 8785 of the fill's documents, by template: keys sorted, no spaces (checked against
    # chain.canonical_entry for the first entry of every chunk).
    return (
        f'{{"action":"{_ACTION}","actor":{{"id":null,"label":"bench"}},"data":{{"i":{seq}}},"seq":{seq},'
        f'"target":{{"id":"{seq}","type":"bench-fill"}},"time":"{_time_text(seq)}","v":1}}'
    ).encode()


class TreeFiller:
    """Appends correctly chained entries and their Merkle nodes in bulk, from an empty log."""

    def __init__(self) -> None:
        if AuditEntry.objects.exists():
            raise RuntimeError("the proof benchmark fills an empty audit log")
        self.size = 0
        self.prev = GENESIS_HASH
        self.frontier: dict[int, bytes] = {}  # level -> last complete node at that level

    def fill_to(self, size: int) -> None:
        while self.size < size:
            end = min(size, self.size + _CHUNK)
            entries: list[tuple[Any, ...]] = []
            nodes: list[tuple[int, int, str]] = []
            self._check_template(self.size + 1)
            for seq in range(self.size + 1, end + 1):
                canonical = _canonical(seq)
                entry_hash = hashlib.sha256(bytes.fromhex(self.prev) + canonical).hexdigest()
                entries.append((seq, _time_text(seq), str(seq), f'{{"i": {seq}}}', self.prev, entry_hash))
                self.prev = entry_hash
                index, level, current = seq - 1, 0, merkle.leaf_hash(canonical)
                nodes.append((0, index, current.hex()))
                while index & 1:
                    current = merkle.node_hash(self.frontier[level], current)
                    level, index = level + 1, index >> 1
                    nodes.append((level, index, current.hex()))
                self.frontier[level] = current
            self._write(entries, nodes)
            self.size = end

    @staticmethod
    def _check_template(seq: int) -> None:
        moment = datetime.strptime(_time_text(seq), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        expected = canonical_entry(
            seq=seq,
            time=moment,
            actor_id=None,
            actor_label="bench",
            action=_ACTION,
            target_type="bench-fill",
            target_id=str(seq),
            data={"i": seq},
        )
        if _canonical(seq) != expected:
            raise RuntimeError("the fill template no longer matches chain.canonical_entry")

    @staticmethod
    def _write(entries: list[tuple[Any, ...]], nodes: list[tuple[int, int, str]]) -> None:
        columns = "seq, created_at, actor_id, actor_label, action, target_type, target_id, data, prev_hash, entry_hash"
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                with raw.copy(f"COPY audit_entry ({columns}) FROM STDIN") as copy:
                    copy.write(
                        "".join(
                            f"{seq}\t{moment}\t\\N\tbench\t{_ACTION}\tbench-fill\t{tid}\t{data}\t{prev}\t{digest}\n"
                            for seq, moment, tid, data, prev, digest in entries
                        )
                    )
                with raw.copy('COPY audit_merkle_node ("level", "index", "hash") FROM STDIN') as copy:
                    copy.write("".join(f"{level}\t{index}\t{digest}\n" for level, index, digest in nodes))
                return
            cursor.executemany(
                f"INSERT INTO audit_entry ({columns}) VALUES (%s, %s, NULL, 'bench', %s, 'bench-fill', %s, %s, %s, %s)",
                [
                    (seq, moment.replace("T", " ").rstrip("Z"), _ACTION, tid, data, prev, digest)
                    for seq, moment, tid, data, prev, digest in entries
                ],
            )
            cursor.executemany('INSERT INTO audit_merkle_node ("level", "index", "hash") VALUES (%s, %s, %s)', nodes)


@dataclass
class ProofRow:
    size: int
    fill_seconds: float
    median_ms: dict[str, float]  # "<what> <how>" -> median milliseconds
    queries: dict[str, int]  # "<what> <how>" -> SQL queries per call

    def lines(self) -> list[str]:
        out = [f"{self.size} entries (filled in {self.fill_seconds:.1f} s):"]
        for what in ("inclusion", "consistency", "root", "floor"):
            parts = []
            for how in ("algorithm", "per-node", "service", "api"):
                key = f"{what} {how}"
                if key in self.median_ms:
                    queries = f", {self.queries[key]} queries" if key in self.queries else ""
                    parts.append(f"{how} {self.median_ms[key]:.3f} ms{queries}")
            label = {"floor": "one entry (GET /audit/entries/<seq>/, the API's floor)"}.get(what, what)
            out.append(f"  {label}: " + "; ".join(parts))
        return out


def _median_ms(calls: list[Callable[[], object]]) -> float:
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _count_queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _get(client: Client, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:200]!r}")
        return response

    return call


def _pure(nodes_of: Callable[[], list[tuple[int, int]]], build: Callable[[merkle.NodeGetter], object]) -> Any:
    stored = fetch_nodes(nodes_of())

    def call() -> object:
        nodes_of()  # the positions are part of the algorithm's work
        return build(lambda level, index: stored[(level, index)])

    return call


def measure(size: int, queries: int, client: Client, rng: random.Random) -> tuple[dict[str, float], dict[str, int]]:
    seqs = [rng.randint(1, size) for _ in range(queries)]
    firsts = [rng.randint(1, size - 1) for _ in range(queries)]
    medians: dict[str, float] = {}
    counts: dict[str, int] = {}

    def inclusion_pure(seq: int) -> Callable[[], object]:
        return _pure(
            lambda: (
                merkle.inclusion_proof_nodes(leaf_index=seq - 1, tree_size=size) + merkle.root_nodes(tree_size=size)
            ),
            lambda get: (
                merkle.inclusion_proof(leaf_index=seq - 1, tree_size=size, get_node=get),
                merkle.root_hash(tree_size=size, get_node=get),
            ),
        )

    def consistency_pure(first: int) -> Callable[[], object]:
        return _pure(
            lambda: (
                merkle.consistency_proof_nodes(first=first, second=size)
                + merkle.root_nodes(tree_size=first)
                + merkle.root_nodes(tree_size=size)
            ),
            lambda get: (
                merkle.consistency_proof(first=first, second=size, get_node=get),
                merkle.root_hash(tree_size=first, get_node=get),
                merkle.root_hash(tree_size=size, get_node=get),
            ),
        )

    def inclusion_service(seq: int) -> Callable[[], object]:
        return lambda: inclusion_proof_with_root(seq=seq, tree_size=size)

    def consistency_service(first: int) -> Callable[[], object]:
        return lambda: consistency_proof_with_roots(first=first, second=size)

    def inclusion_api(seq: int) -> Callable[[], object]:
        return _get(client, f"{reverse('audit-inclusion-proof', kwargs={'seq': seq})}?tree_size={size}")

    def consistency_api(first: int) -> Callable[[], object]:
        return _get(client, f"{reverse('audit-consistency-proof')}?first={first}&second={size}")

    def inclusion_per_node(seq: int) -> Callable[[], object]:
        # What the service did before: check the indexed size, then one query per node, twice.
        return lambda: (
            indexed_size(),
            merkle.inclusion_proof(leaf_index=seq - 1, tree_size=size, get_node=StoredNodes()),
            indexed_size(),
            merkle.root_hash(tree_size=size, get_node=StoredNodes()),
        )

    def consistency_per_node(first: int) -> Callable[[], object]:
        return lambda: (
            indexed_size(),
            merkle.consistency_proof(first=first, second=size, get_node=StoredNodes()),
            indexed_size(),
            merkle.root_hash(tree_size=first, get_node=StoredNodes()),
            indexed_size(),
            merkle.root_hash(tree_size=size, get_node=StoredNodes()),
        )

    def entry_api(seq: int) -> Callable[[], object]:
        return _get(client, reverse("audit-entry-detail", kwargs={"seq": seq}))

    plans: dict[str, tuple[list[int], Callable[[int], Callable[[], object]]]] = {
        "inclusion algorithm": (seqs, inclusion_pure),
        "inclusion per-node": (seqs, inclusion_per_node),
        "consistency per-node": (firsts, consistency_per_node),
        "floor api": (seqs, entry_api),
        "inclusion service": (seqs, inclusion_service),
        "inclusion api": (seqs, inclusion_api),
        "consistency algorithm": (firsts, consistency_pure),
        "consistency service": (firsts, consistency_service),
        "consistency api": (firsts, consistency_api),
        "root algorithm": (
            [size] * queries,
            lambda n: _pure(
                lambda: merkle.root_nodes(tree_size=n), lambda get: merkle.root_hash(tree_size=n, get_node=get)
            ),
        ),
        "root service": ([size] * queries, lambda n: lambda: root_at(n)),
    }
    for key, (arguments, make) in plans.items():
        # The previous way costs tens of milliseconds a call: a tenth of the samples tells it well enough.
        calls = [
            make(argument) for argument in (arguments[: max(5, queries // 10)] if "per-node" in key else arguments)
        ]
        calls[0]()  # warm: first request, plan caches
        medians[key] = _median_ms(calls)
        if not key.endswith("algorithm"):
            counts[key] = _count_queries(calls[0])
    return medians, counts


def _auditor_client() -> Client:
    user = get_user_model().objects.create_user(username="bench-auditor", password=None, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@contextmanager
def _test_environment() -> Iterator[None]:
    setup_test_environment()  # the test client's host name, as in tests
    try:
        yield
    finally:
        teardown_test_environment()


def run_proof_bench(*, sizes: list[int], queries: int, report: Callable[[str], None]) -> list[ProofRow]:
    rows: list[ProofRow] = []
    rng = random.Random(20)  # noqa: S311 - which entries to prove, not a secret
    with _test_environment(), scratch_database():
        client = _auditor_client()
        filler = TreeFiller()
        for size in sorted(sizes):
            started = time.perf_counter()
            filler.fill_to(size)
            filled = time.perf_counter() - started
            report(f"  filled {size} entries in {filled:.1f} s")
            medians, counts = measure(size, queries, client, rng)
            rows.append(ProofRow(size=size, fill_seconds=filled, median_ms=medians, queries=counts))
            report(f"  measured {size} entries")
    return rows


def verdict_lines(rows: list[ProofRow]) -> list[str]:
    out = []
    for row in rows:
        if row.size == 1_000_000:
            worst = max(row.median_ms[f"{what} api"] for what in ("inclusion", "consistency"))
            verdict = "met" if worst < 5 else "NOT met"
            out.append(f"target under 5 ms per proof through the API at 1M entries: {verdict} (slowest {worst:.3f} ms)")
    return out
