"""`python manage.py codes_doc > docs/api-codes.md`: the page of every registered code (tools/codes_doc.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tools.codes_doc import codes_markdown


class Command(BaseCommand):
    help = "Print docs/api-codes.md: every stable error and refusal code the API may answer, by app."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(codes_markdown(), ending="")
