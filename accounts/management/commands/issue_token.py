"""`python manage.py issue_token USERNAME`: create an API token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import token_issue, user_by_username
from config.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to tell tokens apart")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_by_username(options["username"])
            issued = token_issue(user=user, name=options["name"], actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(f"token {issued.token.pk} (prefix {issued.token.prefix}) issued; it is shown once:")
        self.stdout.write(issued.plaintext)
