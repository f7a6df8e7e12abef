"""Concurrent writers, in threads and in separate processes, produce one unbroken chain.

Runs on both backends; on PostgreSQL this is the advisory-lock path (entries appended inside
transactions are chained while each commits), on SQLite the BEGIN IMMEDIATE path. Each writer
commits for real, so this uses `committed_db`.
"""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import nullcontext

from django.db import connections, transaction

from audit.actions import AuditAction
from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import AuditTarget, audit_record

APPENDS_PER_WRITER = 40


def append_many(writer: str, errors: list[BaseException], in_transactions: bool = False) -> None:
    try:
        for i in range(APPENDS_PER_WRITER):
            with transaction.atomic() if in_transactions else nullcontext():
                audit_record(
                    actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("writer", writer), data={"i": i}
                )
    except BaseException as exc:  # reported to the test thread below
        errors.append(exc)
    finally:
        connections.close_all()


def run_threads(prefix: str, count: int, in_transactions: bool = False) -> list[BaseException]:
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=append_many, args=(f"{prefix}{n}", errors, in_transactions)) for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def process_main(prefix: str, threads: int) -> None:
    errors = run_threads(prefix, threads)
    raise SystemExit(1 if errors else 0)


def assert_one_unbroken_chain(writers: list[str]) -> None:
    assert AuditEntry.objects.count() == len(writers) * APPENDS_PER_WRITER
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(
        range(1, len(writers) * APPENDS_PER_WRITER + 1)
    )
    for writer in writers:
        seen = list(AuditEntry.objects.filter(target_id=writer).order_by("seq").values_list("data", flat=True))
        assert [d["i"] for d in seen] == list(range(APPENDS_PER_WRITER)), f"{writer} lost or reordered entries"
    report = audit_chain_verify()
    assert report.ok, report.as_dict()


def test_eight_threads_append_one_unbroken_chain(committed_db):
    errors = run_threads("thread", 8)
    assert errors == []
    assert_one_unbroken_chain([f"thread{n}" for n in range(8)])


def test_eight_threads_appending_inside_transactions_append_one_unbroken_chain(committed_db):
    errors = run_threads("service", 8, in_transactions=True)
    assert errors == []
    assert_one_unbroken_chain([f"service{n}" for n in range(8)])


def test_processes_and_threads_together_append_one_unbroken_chain(committed_db):
    connections.close_all()  # a forked child must open its own connection, never share the parent's
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=process_main, args=(f"p{n}t", 2)) for n in range(4)]
    for process in processes:
        process.start()
    local_errors = run_threads("main", 2)
    for process in processes:
        process.join(timeout=120)
    assert local_errors == []
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    writers = [f"p{n}t{t}" for n in range(4) for t in range(2)] + ["main0", "main1"]
    assert_one_unbroken_chain(writers)
