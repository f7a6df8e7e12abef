from __future__ import annotations

from django.apps import AppConfig


class RenderConfig(AppConfig):
    name = "render"
    verbose_name = "Licensed renders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from render.erasure import register

        register()
