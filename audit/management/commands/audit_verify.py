"""`python manage.py audit_verify`: recompute the chain; exit 1 naming the first bad entry."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain and report the first entry that breaks it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        if report.ok:
            if not options["json"]:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"audit chain intact: {report.entries_checked} entries, "
                        f"head #{report.head_seq} {report.head_hash}"
                    )
                )
            return
        raise CommandError(
            f"audit chain broken at entry #{report.first_bad_seq}: {report.problem} "
            f"{json.dumps(report.details, sort_keys=True)} "
            f"({report.entries_checked} entries before it verified)"
        )
