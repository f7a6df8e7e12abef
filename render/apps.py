from __future__ import annotations

from django.apps import AppConfig


class RenderConfig(AppConfig):
    name = "render"
    verbose_name = "Licensed renders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from render.erasure import register
        from render.platform_keys import check_key_files

        register()
        checks.register(check_key_files, checks.Tags.security)
