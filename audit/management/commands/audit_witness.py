"""`python manage.py audit_witness URL --state DIR [--key FILE] [--post] [--json]`: what a witness runs,
on its own machine, against the platform at URL (audit/witness_client.py). Needs no database."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.witness_client import Witness, WitnessFailure


class Command(BaseCommand):
    help = (
        "Fetch the platform's newest audit checkpoint, verify its signature with the published keys and its "
        "consistency with the one kept in --state, keep it and cosign it (--post sends the cosignature)."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the platform's base URL, e.g. https://likeness.example")
        parser.add_argument("--state", type=Path, required=True, help="this witness's folder (kept checkpoint, keys)")
        parser.add_argument(
            "--key", type=Path, help="the witness's Ed25519 private key (PEM); default DIR/witness-key.pem"
        )
        parser.add_argument("--post", action="store_true", help="send the cosignature to the platform")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            witness = Witness(options["url"], options["state"], options["key"])
            result = witness.run(post=options["post"])
        except WitnessFailure as exc:
            raise CommandError(f"witness refuses the checkpoint: {exc.code}: {exc.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps(asdict(result), indent=2))
            return
        previous = "" if result.previous_tree_size is None else f" (kept {result.previous_tree_size} before)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.outcome}: checkpoint at tree size {result.tree_size}, root {result.root_hash}{previous}, "
                f"cosigned by witness key {result.witness_key_id}"
                + (f"; platform counts {result.posted['cosigned_by']} cosignatures" if result.posted else "")
            )
        )
        self.stdout.write(f"witness public key (register it with the platform's admin): {result.witness_public_key}")
