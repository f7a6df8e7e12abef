"""`python manage.py revoke_token PREFIX`: revoke an API token by the prefix shown when issued."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken
from accounts.services import token_revoke


class Command(BaseCommand):
    help = "Revoke an API token, named by its prefix (the 8 characters after 'lkp_')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        matches = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
        if not matches:
            raise CommandError(f"no active token with prefix {options['prefix']!r}")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} active tokens share that prefix; revoke in admin")
        token_revoke(token=matches[0], actor=None)
        self.stdout.write(f"revoked token {matches[0].pk} ({matches[0].name}) of {matches[0].user}")
