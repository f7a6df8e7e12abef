"""`python manage.py bench TARGET`: measured figures, each against a baseline run in the same process.

It lives in the render app, the last in the dependency order, so it may import every app's
benchmark module. Targets: `audit` (audit/bench.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.bench import run_audit_bench


def _writer_counts(value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",")]
    except ValueError:
        raise CommandError(f"--writers {value!r} must be comma-separated integers") from None
    if not counts or any(c < 1 or c > 64 for c in counts):
        raise CommandError("--writers must be between 1 and 64")
    return counts


class Command(BaseCommand):
    help = "Benchmark the audit trail on a scratch database of the configured server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["audit"])
        parser.add_argument("--writers", default="1,8", help="comma-separated writer process counts")
        parser.add_argument("--appends", type=int, default=4000, help="appends per run, shared by the writers")
        parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
        parser.add_argument("--verify-entries", type=int, default=100_000, help="chain length for the verify timing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["appends"] < 1 or options["repeat"] < 1 or options["verify_entries"] < 1:
            raise CommandError("--appends, --repeat and --verify-entries must be positive")
        result = run_audit_bench(
            writers=_writer_counts(options["writers"]),
            appends=options["appends"],
            repeat=options["repeat"],
            verify_entries=options["verify_entries"],
            report=self.stderr.write,
        )
        for line in result.lines():
            self.stdout.write(line)
