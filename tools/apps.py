from __future__ import annotations

from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "tools"
    verbose_name = "Benchmarks and the demo (a checkout's tooling)"
    default_auto_field = "django.db.models.BigAutoField"
