"""`python manage.py audit_key_retire [--replace]`: retire the current audit signing key.

Writes its public key, valid until now, to AUDIT_PUBLIC_KEYS_DIR, so every checkpoint it signed
stays verifiable (and published) after the key file is replaced. `--replace` also writes a fresh
key to AUDIT_SIGNING_KEY_FILE (the embedded default); in production install the new key file
through your secret store instead, and copy the written JSON file into the mounted key folder.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.keys import retire_current_key, write_new_signing_key
from config import clock


class Command(BaseCommand):
    help = "Retire the current audit signing key: keep its public key with its validity period in configuration."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--replace", action="store_true", help="also write a new key to AUDIT_SIGNING_KEY_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = retire_current_key(not_after=clock.now())
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"retired audit key written to {path}")
        if options["replace"]:
            self.stdout.write(f"new audit signing key {write_new_signing_key()} written")
