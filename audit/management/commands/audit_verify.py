"""`python manage.py audit_verify`: recompute the chain and check it against the checkpoints kept
outside the database; exit 1 naming the first bad entry or the checkpoint that no longer matches."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import audit_checkpoints_verify
from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain and the Merkle roots of every stored checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        checkpoints = audit_checkpoints_verify()
        if options["json"]:
            self.stdout.write(json.dumps({**report.as_dict(), "checkpoints": checkpoints.as_dict()}, indent=2))
        if not report.ok:
            raise CommandError(
                f"audit chain broken at entry #{report.first_bad_seq}: {report.problem} "
                f"{json.dumps(report.details, sort_keys=True)} "
                f"({report.entries_checked} entries before it verified)"
            )
        if not checkpoints.ok:
            first = checkpoints.problems[0]
            raise CommandError(
                f"audit log does not match checkpoint {first['file']} (tree size {first['tree_size']}): "
                f"{first['problem']}; {len(checkpoints.problems)} of {checkpoints.checked} checkpoints fail"
            )
        if not options["json"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"audit chain intact: {report.entries_checked} entries, head #{report.head_seq} "
                    f"{report.head_hash}; {checkpoints.checked} stored checkpoints match"
                )
            )
