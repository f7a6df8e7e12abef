"""`manage.py keys init|show|rotate KIND`: the platform's keys (render/platform_keys.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from render.platform_keys import KINDS, KeyOperationRefused, keys_init, keys_rotate, keys_show


class Command(BaseCommand):
    help = "Create every missing key (init), print public parts and ids as JSON (show), or rotate one (rotate KIND)."
    # Runs before the keys exist: the system check that refuses missing keys must not stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "show", "rotate"])
        parser.add_argument("kind", nargs="?", choices=list(KINDS), help="the key to rotate")
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="work on the files in DIR by their deployment names (deploy/k8s/config.env) instead of the settings",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action, kind, directory = options["action"], options["kind"], options["dir"]
        try:
            if action == "init":
                result: Any = keys_init(directory)
            elif action == "show":
                result = keys_show(directory)
            else:
                if kind is None:
                    raise CommandError(f"rotate needs a KIND: one of {', '.join(KINDS)}")
                result = keys_rotate(kind, directory)
        except KeyOperationRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result, indent=2))
