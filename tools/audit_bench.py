"""Audit-trail benchmark: append throughput with concurrent writers, and the cost of verification.

It runs against a scratch database on the configured server (never the real trail): a database
named `<name>_bench` on PostgreSQL, a separate file on SQLite. Writers are separate processes, as
web and worker processes are in production, each committing one entry per transaction.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_entry, chain_hash
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record
from tools.scratch import scratch_database


def _writer(barrier: multiprocessing.synchronize.Barrier, writer: int, appends: int, in_transaction: bool) -> None:
    connections.close_all()
    target = AuditTarget("bench-writer", str(writer))
    AuditEntry.objects.exists()  # connect before the clock starts
    barrier.wait()
    for i in range(appends):
        if in_transaction:
            with transaction.atomic():
                audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=target, data={"i": i})
        else:
            audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=target, data={"i": i})
    connections.close_all()


def appends_per_second(*, writers: int, total_appends: int, in_transaction: bool = False) -> float:
    per_writer = max(1, total_appends // writers)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers + 1)
    connections.close_all()
    processes = [context.Process(target=_writer, args=(barrier, n, per_writer, in_transaction)) for n in range(writers)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    if any(process.exitcode != 0 for process in processes):
        raise RuntimeError("a benchmark writer failed")
    return per_writer * writers / elapsed


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
    appends_per_second_in_transaction: dict[int, list[float]]
    verify_entries: int
    verify_seconds: list[float]

    def lines(self) -> list[str]:
        out = [f"database: {self.vendor} (scratch database {self.database})"]
        medians = {w: statistics.median(runs) for w, runs in self.appends_per_second.items()}
        base = medians[min(medians)]
        for writers, runs in self.appends_per_second.items():
            formatted = ", ".join(f"{r:.0f}" for r in runs)
            out.append(
                f"audit appends/s with {writers} writer(s): median {medians[writers]:.0f} "
                f"(runs: {formatted}); ratio to {min(medians)} writer(s): {medians[writers] / base:.2f}"
            )
        for writers, runs in self.appends_per_second_in_transaction.items():
            out.append(
                f"audit appends/s with {writers} writer(s), each inside BEGIN ... COMMIT as services do: "
                f"median {statistics.median(runs):.0f} (runs: {', '.join(f'{r:.0f}' for r in runs)}); "
                f"ratio to bare appends: {statistics.median(runs) / medians[writers]:.2f}"
            )
        verify = statistics.median(self.verify_seconds)
        per_100k = verify * 100_000 / self.verify_entries
        out.append(
            f"audit_verify over {self.verify_entries} entries: median {verify:.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in self.verify_seconds)}); {per_100k:.2f} s per 100k entries"
        )
        if self.vendor == "postgresql" and 8 in medians:
            verdict = "met" if medians[8] >= 2000 else "NOT met"
            out.append(f"target 2,000 appends/s with 8 writers on PostgreSQL: {verdict} ({medians[8]:.0f}/s)")
        return out


def run_audit_bench(
    *, writers: list[int], appends: int, repeat: int, verify_entries: int, report: Callable[[str], None]
) -> AuditBenchResult:
    with scratch_database() as name:
        throughput: dict[int, list[float]] = {}
        for count in writers:
            throughput[count] = []
            for run in range(repeat):
                rate = appends_per_second(writers=count, total_appends=appends)
                throughput[count].append(rate)
                report(f"  writers={count} run {run + 1}/{repeat}: {rate:.0f} appends/s")
        wrapped: dict[int, list[float]] = {}
        for count in writers:
            wrapped[count] = []
            for run in range(repeat):
                rate = appends_per_second(writers=count, total_appends=appends, in_transaction=True)
                wrapped[count].append(rate)
                report(f"  writers={count} in transaction, run {run + 1}/{repeat}: {rate:.0f} appends/s")
        fill_chain_to(verify_entries)
        timings = []
        for run in range(repeat):
            started = time.perf_counter()
            result = audit_chain_verify()
            timings.append(time.perf_counter() - started)
            if not result.ok:
                raise RuntimeError(f"benchmark chain does not verify: {result.as_dict()}")
            report(f"  verify run {run + 1}/{repeat}: {timings[-1]:.2f} s over {result.entries_checked} entries")
        return AuditBenchResult(
            vendor=connection.vendor,
            database=name,
            appends_per_second=throughput,
            appends_per_second_in_transaction=wrapped,
            verify_entries=result.entries_checked,
            verify_seconds=timings,
        )
