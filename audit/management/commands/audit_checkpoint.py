"""`python manage.py audit_checkpoint`: sign and store a checkpoint of the audit log now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import audit_checkpoint_create
from config.errors import DomainError


class Command(BaseCommand):
    help = "Extend the Merkle tree, sign the tree head and write it once outside the database."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = audit_checkpoint_create()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"checkpoint at tree size {checkpoint.tree_size}: root {checkpoint.root_hash} "
            f"(key {checkpoint.key_id}), stored as {checkpoint.storage_name}"
        )
