"""Audit-trail benchmark: append throughput with concurrent writers, and the cost of verification.

It runs against a scratch database on the configured server (never the real trail): a database
named `<name>_bench` on PostgreSQL, a separate file on SQLite. Writers are separate processes, as
web and worker processes are in production, each committing one entry per transaction.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import rfc8785
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from audit import services as audit_services
from audit.actions import AuditAction
from audit.append_sql import AFTER_COMMIT_SQL, STAGE_FUNCTION
from audit.chain import GENESIS_HASH, canonical_entry, chain_hash
from audit.checkpoints import audit_tree_extend
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record
from config import jcs
from tools.scratch import scratch_database

_BASELINE_TABLE = "bench_baseline_insert"
_BASELINE_DDL = {
    "postgresql": [
        f"""CREATE TABLE IF NOT EXISTS {_BASELINE_TABLE} (seq bigserial PRIMARY KEY, created_at timestamptz NOT NULL,
            actor_id bigint NULL, actor_label varchar(200) NOT NULL, action varchar(64) NOT NULL,
            target_type varchar(100) NOT NULL, target_id varchar(100) NOT NULL, data jsonb NOT NULL,
            prev_hash varchar(64) NOT NULL, entry_hash varchar(64) NOT NULL UNIQUE)""",
    ],
    "sqlite": [
        f"""CREATE TABLE IF NOT EXISTS {_BASELINE_TABLE} (seq integer PRIMARY KEY AUTOINCREMENT,
            created_at datetime NOT NULL, actor_id bigint NULL, actor_label varchar(200) NOT NULL,
            action varchar(64) NOT NULL, target_type varchar(100) NOT NULL, target_id varchar(100) NOT NULL,
            data text NOT NULL, prev_hash varchar(64) NOT NULL, entry_hash varchar(64) NOT NULL UNIQUE)""",
    ],
}
_BASELINE_INDEXES = ["target_type, target_id", "action", "created_at", "actor_id"]


def create_baseline_table() -> None:
    """A table shaped and indexed like audit_entry, for plain INSERTs with no lock and no chain."""
    with connection.cursor() as cursor:
        for statement in _BASELINE_DDL[connection.vendor]:
            cursor.execute(statement)
        for n, columns in enumerate(_BASELINE_INDEXES):
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {_BASELINE_TABLE}_{n} ON {_BASELINE_TABLE} ({columns})")


def _baseline_insert(writer: int, i: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_BASELINE_TABLE} (created_at, actor_id, actor_label, action, target_type, target_id, "
            "data, prev_hash, entry_hash) VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, %s)",
            [
                timezone.now(),
                "system",
                AuditAction.BENCH_APPENDED.value,
                "bench-writer",
                str(writer),
                json.dumps({"i": i}),
                GENESIS_HASH,
                uuid.uuid4().hex * 2,
            ],
        )


def _chain_in_the_call() -> None:
    """Make this writer chain as appends did before commit-time chaining (append_sql.py): inside the
    append statement, so the audit lock is held across its reply, the client's Python (and any
    statement the service sends after the append) and the COMMIT round trip."""
    audit_services._chains_at_commit = lambda: False  # a forked writer process: nobody else sees it


# Phases of one in-transaction append, in microseconds, summed per writer.
PHASES = ("prepare", "append_call", "lock_wait", "commit", "durable_wait")


@dataclass
class _Timing:
    totals: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    statement: dict[str, float] = field(default_factory=lambda: {"append": 0.0, "durable": 0.0, "lock": 0.0})

    def wrapper(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        elapsed = (time.perf_counter() - started) * 1e6
        if STAGE_FUNCTION in sql:
            self.statement["append"] += elapsed
        elif sql == AFTER_COMMIT_SQL:
            self.statement["durable"] += elapsed
            cursor = context["cursor"]
            row = cursor.fetchone()
            if row is not None:
                self.statement["lock"] += row[3]
                cursor.scroll(0, mode="absolute")  # leave the rows for audit_record
        return result

    def watch_carried_rows(self) -> None:
        """Count the lock wait also when the COMMIT carried the after-commit statement (config.postgresql):
        its rows then reach audit_record without passing through a cursor."""
        after_commit = audit_services._after_commit

        def watched(carried: list[Any] | None = None) -> list[tuple[int, str, str]]:
            if carried:
                self.statement["lock"] += carried[0][3]
            return after_commit(carried)

        audit_services._after_commit = watched  # a forked writer process: nobody else sees it


def _writer(
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[dict[str, float]],
    writer: int,
    appends: int,
    mode: str,
) -> None:
    connections.close_all()
    target = AuditTarget("bench-writer", str(writer))
    AuditEntry.objects.exists()  # connect before the clock starts
    timing = _Timing()
    timing.watch_carried_rows()
    if mode.startswith("in_call"):
        _chain_in_the_call()
    barrier.wait()
    with connection.execute_wrapper(timing.wrapper):
        for i in range(appends):
            if mode == "bare":
                audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=target, data={"i": i})
            elif mode == "baseline":
                with transaction.atomic():
                    _baseline_insert(writer, i)
            else:
                before = dict(timing.statement)
                t0 = time.perf_counter()
                with transaction.atomic():
                    audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=target, data={"i": i})
                    if mode.endswith("then_write"):
                        _baseline_insert(writer, i)  # the service's own write after its audit call
                    t1 = time.perf_counter()
                t2 = time.perf_counter()
                append = timing.statement["append"] - before["append"]
                durable = timing.statement["durable"] - before["durable"]
                timing.totals["prepare"] += (t1 - t0) * 1e6 - append
                timing.totals["append_call"] += append
                timing.totals["lock_wait"] += timing.statement["lock"] - before["lock"]
                timing.totals["commit"] += (t2 - t1) * 1e6 - durable
                timing.totals["durable_wait"] += durable
    results.put(timing.totals)
    connections.close_all()


@dataclass
class WriterRun:
    rate: float
    phase_us: dict[str, float]  # mean microseconds per append, over all writers


def appends_per_second(*, writers: int, total_appends: int, in_transaction: bool = False, mode: str = "") -> WriterRun:
    """Appends (or, with mode="baseline", plain INSERTs) per second from `writers` processes."""
    mode = mode or ("transaction" if in_transaction else "bare")
    per_writer = max(1, total_appends // writers)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers + 1)
    results: multiprocessing.Queue[dict[str, float]] = context.Queue()
    connections.close_all()
    processes = [context.Process(target=_writer, args=(barrier, results, n, per_writer, mode)) for n in range(writers)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    totals = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    if any(process.exitcode != 0 for process in processes):
        raise RuntimeError("a benchmark writer failed")
    count = per_writer * writers
    phase_us = {phase: sum(t[phase] for t in totals) / count for phase in PHASES}
    return WriterRun(rate=count / elapsed, phase_us=phase_us)


def canonical_entry_timings(*, rounds: int = 20, calls: int = 500) -> dict[str, float]:
    """Median microseconds to canonicalise one audit entry's document, the platform's way (`config.jcs`)
    and with the reference `rfc8785` it must match byte for byte, in alternating rounds."""
    document: dict[str, Any] = {
        "v": 1,
        "seq": 0,
        "time": "2026-11-30T16:00:00.000000Z",
        "actor": {"id": "42", "label": "studio@example.com"},
        "action": AuditAction.LICENSE_USE_RESERVED.value,
        "target": {"type": "licensing.license", "id": str(uuid.uuid4())},
        "data": {"use": 3, "of": 10, "work_file_sha256": "ab" * 32, "purpose": "film"},
    }
    if jcs.dumps(document) != rfc8785.dumps(document):
        raise RuntimeError("config.jcs and rfc8785 disagree on an audit entry")
    per_call: dict[str, list[float]] = {"jcs": [], "rfc8785": []}
    ways: list[tuple[str, Callable[[Any], bytes]]] = [("jcs", jcs.dumps), ("rfc8785", rfc8785.dumps)]
    for _ in range(rounds):
        for name, dumps in ways:
            started = time.perf_counter()
            for _ in range(calls):
                dumps(document)
            per_call[name].append((time.perf_counter() - started) * 1e6 / calls)
    return {name: statistics.median(values) for name, values in per_call.items()}


def fill_chain_to(entries: int, *, batch: int = 5000) -> None:
    """Extend the chain to `entries` entries quickly, with bulk inserts of correctly chained rows."""
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first() or (0, GENESIS_HASH)
    seq, prev = head
    moment = timezone.now()
    while seq < entries:
        rows = []
        for _ in range(min(batch, entries - seq)):
            seq += 1
            moment += timedelta(microseconds=1)
            data = {"i": seq, "note": "bench fill"}
            canonical = canonical_entry(
                seq=seq,
                time=moment,
                actor_id=None,
                actor_label="bench",
                action=AuditAction.BENCH_APPENDED.value,
                target_type="bench-fill",
                target_id=str(seq),
                data=data,
            )
            entry_hash = chain_hash(prev, canonical)
            rows.append(
                AuditEntry(
                    seq=seq,
                    created_at=moment,
                    actor_label="bench",
                    action=AuditAction.BENCH_APPENDED.value,
                    target_type="bench-fill",
                    target_id=str(seq),
                    data=data,
                    prev_hash=prev,
                    entry_hash=entry_hash,
                )
            )
            prev = entry_hash
        AuditEntry.objects.bulk_create(rows)


@dataclass
class AuditBenchResult:
    vendor: str
    database: str
    appends_per_second: dict[int, list[float]]
    appends_in_transaction: dict[int, list[WriterRun]]
    baseline_inserts_per_second: dict[int, list[float]]
    # PostgreSQL only, by mode: "in_call" (the same appends chained in the call, as before commit-time
    # chaining), and "transaction_then_write" / "in_call_then_write" (each followed by one business INSERT
    # in its transaction, as services write after auditing).
    appends_compared: dict[str, dict[int, list[WriterRun]]]
    tree_extend_us_per_entry: float
    verify_entries: int
    verify_seconds: list[float]
    canonical_us: dict[str, float] = field(default_factory=dict)

    def _comparison_lines(self, writers: int, now: float, baseline: float) -> list[str]:
        def median_of(mode: str, key: str = "rate") -> float:
            values = self.appends_compared[mode][writers]
            return statistics.median(r.rate if key == "rate" else r.phase_us[key] for r in values)

        def runs(mode: str) -> str:
            return ", ".join(f"{r.rate:.0f}" for r in self.appends_compared[mode][writers])

        in_call = median_of("in_call")
        then_write, in_call_then_write = median_of("transaction_then_write"), median_of("in_call_then_write")
        return [
            f"  the same appends chained in the call, as before commit-time chaining (the audit lock held "
            f"across the reply, the client's Python and the COMMIT round trip): median {in_call:.0f} (runs: "
            f"{runs('in_call')}); ratio to the baseline INSERTs: {in_call / baseline:.2f}; lock wait "
            f"{median_of('in_call', 'lock_wait'):.0f} us per append (now {median_of('transaction', 'lock_wait'):.0f}); "
            f"now / before: {now / in_call:.2f}x",
            f"  each followed by one business INSERT in its transaction (services write after auditing): chained at "
            f"commit {then_write:.0f}/s (runs: {runs('transaction_then_write')}), lock wait "
            f"{median_of('transaction_then_write', 'lock_wait'):.0f} us; chained in the call "
            f"{in_call_then_write:.0f}/s (runs: {runs('in_call_then_write')}), lock wait "
            f"{median_of('in_call_then_write', 'lock_wait'):.0f} us; "
            f"now / before: {then_write / in_call_then_write:.2f}x",
        ]

    def lines(self) -> list[str]:
        def runs(values: list[float]) -> str:
            return ", ".join(f"{v:.0f}" for v in values)

        out = [f"database: {self.vendor} (scratch database {self.database})"]
        medians = {w: statistics.median(r) for w, r in self.appends_per_second.items()}
        base = medians[min(medians)]
        for writers, rates in self.appends_per_second.items():
            out.append(
                f"audit appends/s with {writers} writer(s), autocommit: median {medians[writers]:.0f} "
                f"(runs: {runs(rates)}); ratio to {min(medians)} writer(s): {medians[writers] / base:.2f}"
            )
        wrapped: dict[int, float] = {}
        for writers, results in self.appends_in_transaction.items():
            rates = [r.rate for r in results]
            wrapped[writers] = statistics.median(rates)
            baseline = statistics.median(self.baseline_inserts_per_second[writers])
            out.append(
                f"baseline: plain INSERTs/s of the same row into a table indexed alike (no lock, no chain), "
                f"{writers} writer(s), each in BEGIN ... COMMIT: median {baseline:.0f} "
                f"(runs: {runs(self.baseline_inserts_per_second[writers])})"
            )
            out.append(
                f"audit appends/s with {writers} writer(s), each inside BEGIN ... COMMIT as services do: "
                f"median {wrapped[writers]:.0f} (runs: {runs(rates)}); ratio to autocommit appends: "
                f"{wrapped[writers] / medians[writers]:.2f}; ratio to the baseline INSERTs: "
                f"{wrapped[writers] / baseline:.2f}"
            )
            if self.appends_compared:
                out.extend(self._comparison_lines(writers, wrapped[writers], baseline))
            phases = {p: statistics.median(r.phase_us[p] for r in results) for p in PHASES}
            if self.vendor != "postgresql":
                out.append(
                    f"  where one in-transaction append's time goes ({writers} writer(s), mean us, median of runs): "
                    f"the append (checks, canonical JSON, head read and insert under BEGIN IMMEDIATE) "
                    f"{phases['prepare']:.0f}; COMMIT {phases['commit']:.0f}; Merkle node writes: none (0 per append)"
                )
                continue
            out.append(
                f"  where one in-transaction append's time goes ({writers} writer(s), mean us, median of runs): "
                f"Python before the call (checks, canonical JSON) {phases['prepare']:.0f}; staging call round trip "
                f"{phases['append_call']:.0f}; COMMIT (chaining, and the durability wait it carries, included) "
                f"{phases['commit']:.0f}, of which waiting for the audit lock {phases['lock_wait']:.0f}; durability "
                f"wait in a round trip of its own {phases['durable_wait']:.0f}; Merkle node writes: none (0 per append)"
            )
        if self.canonical_us:
            ours, reference = self.canonical_us["jcs"], self.canonical_us["rfc8785"]
            out.append(
                f"canonical JSON of one audit entry (twice per append: the data's check and the entry): "
                f"{ours:.1f} us (config.jcs), {reference:.1f} us (rfc8785, same bytes); ratio {ours / reference:.2f}"
            )
        out.append(
            f"Merkle tree nodes are written in batches by audit_tree_extend (checkpoint job, or the first proof "
            f"past the indexed size): {self.tree_extend_us_per_entry:.0f} us per entry"
        )
        verify = statistics.median(self.verify_seconds)
        per_100k = verify * 100_000 / self.verify_entries
        out.append(
            f"audit_verify over {self.verify_entries} entries: median {verify:.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in self.verify_seconds)}); {per_100k:.2f} s per 100k entries"
        )
        if self.vendor == "postgresql" and 8 in wrapped:
            verdict = "met" if wrapped[8] >= 2000 else "NOT met"
            baseline = statistics.median(self.baseline_inserts_per_second[8])
            out.append(
                f"target 2,000 appends/s with 8 writers in transactions on PostgreSQL: {verdict} "
                f"({wrapped[8]:.0f}/s; {wrapped[8] / baseline:.2f} of the plain-INSERT baseline on this machine now)"
            )
        return out


def run_audit_bench(
    *, writers: list[int], appends: int, repeat: int, verify_entries: int, report: Callable[[str], None]
) -> AuditBenchResult:
    # Appends are measured alone: the count-triggered checkpoints (audit/cadence.py) would run inline
    # here, and write into the real storage from a scratch database.
    with override_settings(AUDIT_CHECKPOINT_EVERY_ENTRIES=2**62), scratch_database() as name:
        create_baseline_table()
        throughput: dict[int, list[float]] = {}
        wrapped: dict[int, list[WriterRun]] = {}
        baseline: dict[int, list[float]] = {}
        compared: dict[str, dict[int, list[WriterRun]]] = {}
        if connection.vendor == "postgresql":
            compared = {mode: {} for mode in ("transaction", "in_call", "transaction_then_write", "in_call_then_write")}
        for count in writers:
            throughput[count], wrapped[count], baseline[count] = [], [], []
            for by_writers in compared.values():
                by_writers[count] = []
            for run in range(repeat):
                # Interleaved, so that load from elsewhere on the machine hits all three alike.
                rate = appends_per_second(writers=count, total_appends=appends, mode="baseline").rate
                baseline[count].append(rate)
                report(f"  writers={count} run {run + 1}/{repeat}: baseline {rate:.0f} INSERTs/s")
                rate = appends_per_second(writers=count, total_appends=appends).rate
                throughput[count].append(rate)
                report(f"  writers={count} run {run + 1}/{repeat}: {rate:.0f} appends/s autocommit")
                result = appends_per_second(writers=count, total_appends=appends, mode="transaction")
                wrapped[count].append(result)
                report(f"  writers={count} run {run + 1}/{repeat}: {result.rate:.0f} appends/s in transactions")
                if compared:
                    compared["transaction"][count].append(result)
                for mode in [m for m in compared if m != "transaction"]:
                    result = appends_per_second(writers=count, total_appends=appends, mode=mode)
                    compared[mode][count].append(result)
                    report(f"  writers={count} run {run + 1}/{repeat}: {result.rate:.0f} appends/s {mode}")
        started = time.perf_counter()
        size = audit_tree_extend()  # the tree is empty so far: appends write no nodes
        extend_us = (time.perf_counter() - started) * 1e6 / max(1, size)
        fill_chain_to(verify_entries)
        timings = []
        for run in range(repeat):
            started = time.perf_counter()
            verified = audit_chain_verify()
            timings.append(time.perf_counter() - started)
            if not verified.ok:
                raise RuntimeError(f"benchmark chain does not verify: {verified.as_dict()}")
            report(f"  verify run {run + 1}/{repeat}: {timings[-1]:.2f} s over {verified.entries_checked} entries")
        return AuditBenchResult(
            vendor=connection.vendor,
            database=name,
            appends_per_second=throughput,
            appends_in_transaction=wrapped,
            baseline_inserts_per_second=baseline,
            appends_compared=compared,
            tree_extend_us_per_entry=extend_us,
            verify_entries=verified.entries_checked,
            verify_seconds=timings,
            canonical_us=canonical_entry_timings(),
        )
