"""`python manage.py grant_role USERNAME auditor|admin [--revoke]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import Role
from accounts.services import GRANTABLE_ROLES, role_grant, role_revoke, user_by_username
from config.errors import DomainError


class Command(BaseCommand):
    help = "Grant (or with --revoke, withdraw) the auditor or admin role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(r.value for r in GRANTABLE_ROLES))
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_by_username(options["username"])
            change = role_revoke if options["revoke"] else role_grant
            change(user=user, role=Role(options["role"]), actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        verb = "revoked from" if options["revoke"] else "granted to"
        self.stdout.write(f"{options['role']} {verb} {user.get_username()}")
