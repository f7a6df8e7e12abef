"""`python manage.py verify_evidence FILE [--public-key PEM]`: check an evidence bundle offline.

Touches no database: the bundle carries everything, and the checks are pure (audit/evidence.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.evidence import verify_bundle


class Command(BaseCommand):
    help = "Verify an evidence bundle (zip) without the database; exit 1 naming every failed check."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--public-key", type=Path, help="the platform's audit public key (PEM) to trust")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        trusted = None
        if options["public_key"] is not None:
            loaded = serialization.load_pem_public_key(options["public_key"].read_bytes())
            if not isinstance(loaded, Ed25519PublicKey):
                raise CommandError("--public-key is not an Ed25519 public key")
            trusted = loaded
        try:
            data = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        report = verify_bundle(data, trusted_public_key=trusted)
        if options["json"]:
            self.stdout.write(json.dumps(report.__dict__, indent=2))
        if not report.ok:
            raise CommandError("evidence bundle does NOT verify: " + "; ".join(report.problems))
        if options["json"]:
            return
        subject = report.subject
        self.stdout.write(
            self.style.SUCCESS(
                f"evidence bundle verifies: {report.entries_verified} audit entries about "
                f"{subject['target_type']} {subject['target_id']} are in the log at tree size {report.tree_size}, "
                "under a valid checkpoint signature" + (" by the trusted key" if trusted else " (key not pinned)")
            )
        )
