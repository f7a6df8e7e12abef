"""`python manage.py verify_media FILE [--json]`: what the platform can prove about a media file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from render.limits import verify_limits
from render.verification import verify_media_file


class Command(BaseCommand):
    help = "Report a file's C2PA manifest, invisible mark, render job, licence and the licence's status now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            report = verify_media_file(path, limits=verify_limits())
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
            return
        for line in report.summary:
            self.stdout.write(f"- {line}")
        if report.likeness_owner:
            self.stdout.write(f"- likeness of {report.likeness_owner}")
