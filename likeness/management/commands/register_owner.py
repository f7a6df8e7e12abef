"""`python manage.py register_owner USERNAME "Display Name"`: make a user a likeness owner."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import user_by_username
from config.errors import DomainError
from likeness.services import owner_register


class Command(BaseCommand):
    help = "Register a user as a likeness owner (an actor) with a public display name."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("display_name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            owner = owner_register(
                user=user_by_username(options["username"]), display_name=options["display_name"], actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{owner.user} is now likeness owner {owner.display_name!r}")
