"""`python manage.py audit_verify`: the chain and every signed checkpoint (audit.custody), the same
verdict as the API and the admin review; exit 1 naming the first problem."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.custody import audit_log_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain and check every signed checkpoint (signature, key, root) against it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit_log_verify()
        report, checkpoints = verdict.chain, verdict.checkpoints
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), indent=2))
        if not report.ok:
            raise CommandError(
                f"audit chain broken at entry #{report.first_bad_seq}: {report.problem} "
                f"{json.dumps(report.details, sort_keys=True)} "
                f"({report.entries_checked} entries before it verified)"
            )
        if not checkpoints.ok:
            first = checkpoints.problems[0]
            raise CommandError(
                f"audit log does not match checkpoint at tree size {first['tree_size']} "
                f"({first['file'] or 'database only'}): {first['problem']}; "
                f"{len(checkpoints.problems)} problems in {checkpoints.checked} checkpoints"
            )
        if not options["json"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"audit chain intact: {report.entries_checked} entries, head #{report.head_seq} "
                    f"{report.head_hash}; {checkpoints.checked} signed checkpoints verify; "
                    f"{checkpoints.unseen_entries} entries after the newest checkpoint"
                )
            )
