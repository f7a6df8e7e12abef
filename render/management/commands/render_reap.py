"""`manage.py render_reap`: run the render reaper once (the beat task does it every interval)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from render.reaper import render_jobs_reap


class Command(BaseCommand):
    help = "Take over renders whose worker died and queue again renders whose broker message was lost."

    def handle(self, *args: Any, **options: Any) -> None:
        report = render_jobs_reap()
        self.stdout.write(json.dumps(report.as_dict()))
