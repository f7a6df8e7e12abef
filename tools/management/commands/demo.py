"""`python manage.py demo [--out DIR]`: the whole story, step by step, on this instance (tools/demo.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from tools.demo import DemoFailed, run_demo

_CHATTY_LOGGERS = ("render.tasks", "celery.app.trace", "kombu.connection")


class Command(BaseCommand):
    help = (
        "Walk the platform's whole story on this instance: enrol, register a work, license, sign, render a "
        "still and a clip, revoke, be refused, verify the audit trail. Nothing is downloaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", default="demo-output", help="folder for the rendered outputs (default ./demo-output)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The story is told in plain words; the workers' and Celery's log lines come back with -v 2.
        quiet = options["verbosity"] < 2
        loggers = [logging.getLogger(name) for name in _CHATTY_LOGGERS]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.ERROR if quiet else logger.level)
        try:
            run_demo(out_dir=Path(options["out"]), say=self.stdout.write)
        except DemoFailed as exc:
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
