"""`python manage.py create_user USERNAME [--email E] [--password P]`: an audited user creation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import user_create
from config.errors import DomainError


class Command(BaseCommand):
    help = "Create a user (without a password unless given, for API-token-only users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_create(
                username=options["username"], email=options["email"], password=options["password"], actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"created user {user.get_username()} (id {user.pk})")
