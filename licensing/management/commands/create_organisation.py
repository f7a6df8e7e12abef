"""`python manage.py create_organisation NAME --kind studio|rights_holder --manager USERNAME`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import user_by_username
from config.errors import DomainError
from licensing.models import OrganisationKind
from licensing.parties import organisation_create


class Command(BaseCommand):
    help = "Create a studio or rights holder with a first manager."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--kind", required=True, choices=[k.value for k in OrganisationKind])
        parser.add_argument("--manager", required=True, help="username of the first manager")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = organisation_create(
                name=options["name"],
                kind=OrganisationKind(options["kind"]),
                creator=user_by_username(options["manager"]),
                actor=None,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"created {organisation} with id {organisation.pk}")
