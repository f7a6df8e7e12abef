from __future__ import annotations

from django.apps import AppConfig


class RenderConfig(AppConfig):
    name = "render"
    verbose_name = "Licensed renders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from config.metrics import register_database_collector
        from render.erasure import register
        from render.metrics import RenderJobCollector
        from render.platform_keys import check_key_files

        register()
        register_database_collector(RenderJobCollector())
        checks.register(check_key_files, checks.Tags.security)

        from config.errors import register_codes
        from render.codes import RenderCode

        register_codes("render", RenderCode)
